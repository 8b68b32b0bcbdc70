"""The database itself refuses to change or remove audit rows (ASVS 7.3.3, issue 11).

The model already refuses `save()` of an existing row, `delete()` and queryset writes; these
triggers hold below the ORM too (raw SQL, a shell, a bug): UPDATE is always refused; DELETE
(and TRUNCATE on PostgreSQL) only pass inside `audit_maintenance()`, the documented path for
`manage.py flush` (the test suite's flush between transactional tests) and for destroying rows
past their retention (`purge_audit_events`).

PostgreSQL: a trigger function reads the setting `bilan.audit_maintenance`, which only the
session that sets it sees. SQLite: the trigger calls `bilan_audit_maintenance()`, a function each
connection of this application registers (apps.py) and that answers 1 only inside
`audit_maintenance()` on that connection; any other client (the sqlite3 shell) has no such
function, so its DELETE fails too.

A role that may run SQL can still SET the setting: against a stolen database password, give the
table to another role and GRANT the application only INSERT and SELECT on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "compliance_auditevent"
SETTING = "bilan.audit_maintenance"
SQLITE_FUNCTION = "bilan_audit_maintenance"
MESSAGE = "audit trail is append-only"

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' AND coalesce(current_setting('{SETTING}', true), '') = 'on' THEN
            IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
            RETURN OLD;
        END IF;
        -- No percent sign here: the driver would read it as a placeholder.
        RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused on ' || TG_TABLE_NAME;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()""",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]
SQLITE_INSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        WHEN {SQLITE_FUNCTION}() IS NOT 1
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]


def install_guards(apps, schema_editor) -> None:
    """Idempotent: a later migration that rebuilds the table on SQLite (which drops its
    triggers) must run it again."""
    statements = {"postgresql": POSTGRESQL_INSTALL, "sqlite": SQLITE_INSTALL}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def remove_guards(apps, schema_editor) -> None:
    statements = {"postgresql": POSTGRESQL_REMOVE, "sqlite": SQLITE_REMOVE}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def register_sqlite_function(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """`connection_created` receiver: the function the SQLite DELETE trigger asks."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, "audit_maintenance", False) else 0
    )


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, this connection may DELETE (and TRUNCATE) audit rows; never UPDATE."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [SETTING])
        try:
            yield
        finally:
            if not connection.needs_rollback and connection.connection is not None:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, '', false)", [SETTING])
        return
    connection.audit_maintenance = True
    try:
        yield
    finally:
        connection.audit_maintenance = False


def purge_audit_events(*, before: dt.datetime, using: str = DEFAULT_DB_ALIAS) -> int:
    """Destroy the audit rows recorded before `before` (their retention is over); the count.

    The one maintenance path for the data lifecycle: rows are never changed, only destroyed
    whole once past their retention.
    """
    connection = connections[using]
    with transaction.atomic(using=using), audit_maintenance(using):
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(TABLE)} WHERE {connection.ops.quote_name('at')} < %s",
                [connection.ops.adapt_datetimefield_value(before)],
            )
            return cursor.rowcount


def guards_installed(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the triggers are in place (a table rebuilt on SQLite loses them)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            return cursor.fetchone()[0] == 2
    return False
