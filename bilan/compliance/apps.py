from django.apps import AppConfig
from django.db.backends.signals import connection_created

from bilan.compliance.integrity import register_sqlite_function


class ComplianceConfig(AppConfig):
    name = "bilan.compliance"
    label = "compliance"

    def ready(self) -> None:
        # The SQLite trigger guarding the audit table asks this function (integrity.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="bilan_audit_sqlite")
