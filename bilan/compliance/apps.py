from django.apps import AppConfig
from django.db.backends.signals import connection_created

from bilan.compliance.integrity import register_sqlite_function


class ComplianceConfig(AppConfig):
    name = "bilan.compliance"
    label = "compliance"

    def ready(self) -> None:
        # The SQLite trigger guarding the audit table asks this function (integrity.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="bilan_audit_sqlite")
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.bilans import sections
        from bilan.compliance.audit import record_content_access

        # The core's bilan page records the content it shows through here (REQ-54).
        sections.register_read_recorder(record_content_access)
