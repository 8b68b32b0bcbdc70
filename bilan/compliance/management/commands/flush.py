"""Django's `flush`, allowed to empty the append-only audit table (integrity.py).

Flushing erases every table, the audit trail with the rest: it is how the test suite resets
the database between transactional (browser) tests. Nothing else may delete audit rows.
"""

from django.core.management.commands.flush import Command as FlushCommand

from bilan.compliance.integrity import audit_maintenance


class Command(FlushCommand):
    def handle(self, **options) -> None:
        with audit_maintenance(options["database"]):
            super().handle(**options)
