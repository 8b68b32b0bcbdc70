"""The database itself refuses to change or remove audit rows (issue 11, item 8), on SQLite and
PostgreSQL alike; only the documented maintenance path may destroy rows past their retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bilan.compliance.integrity import audit_maintenance, guards_installed, purge_audit_events
from bilan.compliance.models import AuditEvent

TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


def make_event(email: str = "consultante@cap.test") -> AuditEvent:
    return AuditEvent.objects.create(
        actor_id=1,
        actor_email=email,
        actor_role="consultant",
        organisation_id=1,
        bilan_id=1,
        action=AuditEvent.Action.READ,
        object_type="bilans.BilanFraming",
        object_id="1",
    )


def run_refused(sql: str, params: list | None = None) -> str:
    """Run `sql`, which the database must refuse; its error message."""
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    return str(refused.value)


def emails() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT actor_email FROM {TABLE} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_the_guards_are_installed_by_the_migrations(db):
    assert guards_installed()


def test_the_database_refuses_an_update_of_an_audit_row(db):
    make_event()
    message = run_refused(f"UPDATE {TABLE} SET actor_email = %s", ["x@x.test"])
    assert "append-only" in message
    assert emails() == ["consultante@cap.test"]


def test_the_database_refuses_a_delete_of_an_audit_row(db):
    event = make_event()
    message = run_refused(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    assert "append-only" in message
    assert emails() == ["consultante@cap.test"]


def test_the_database_refuses_emptying_the_table(db):
    make_event()
    # PostgreSQL's TRUNCATE (a statement trigger); SQLite's truncate is a DELETE without WHERE.
    sql = f"TRUNCATE {TABLE}" if connection.vendor == "postgresql" else f"DELETE FROM {TABLE}"
    assert "append-only" in run_refused(sql)
    assert emails() == ["consultante@cap.test"]


def test_even_maintenance_may_not_update_a_row(db):
    make_event()
    with audit_maintenance():
        assert "append-only" in run_refused(f"UPDATE {TABLE} SET actor_email = 'x@x.test'")
    assert emails() == ["consultante@cap.test"]


def test_maintenance_ends_with_its_block(db):
    event = make_event()
    with audit_maintenance():
        pass
    run_refused(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.count() == 1


def test_purging_destroys_only_the_rows_past_their_retention(db):
    old, _recent = make_event("ancien@cap.test"), make_event("recent@cap.test")
    cutoff = timezone.now() + dt.timedelta(seconds=1)
    # Back-date the old row the only way left: insert it so (rows cannot be updated).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (at, actor_id, actor_email, actor_role, organisation_id, "
            "bilan_id, action, object_type, object_id, channel, ip_hash) "
            "SELECT %s, actor_id, 'tres.ancien@cap.test', actor_role, organisation_id, bilan_id, "
            f"action, object_type, object_id, channel, ip_hash FROM {TABLE} WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(cutoff - dt.timedelta(days=4000)), old.pk],
        )
    assert purge_audit_events(before=cutoff - dt.timedelta(days=3000)) == 1
    assert emails() == ["ancien@cap.test", "recent@cap.test"]
    # After the purge the guard holds again.
    run_refused(f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database_between_transactional_tests():
    make_event()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    make_event()  # and the guard is back once the flush is over
    run_refused(f"DELETE FROM {TABLE}")
    assert AuditEvent.objects.count() == 1
