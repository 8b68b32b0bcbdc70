"""Test helpers that need no app: the test password, fast hashing, a wider booking window.
The shared cast (organisations, people, bilans) is in bilan/bilans/testing.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from pytest_django import Settings

PASSWORD = "motdepasse-de-test-42"

__all__ = [
    "PASSWORD",
    "_fast_password_hashing",
    "booking_window_to_2031",
    "database_dump",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2 at production strength costs ~0.3 s per user on this machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def booking_window_to_2031(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests booking entretiens at fixed dates up to 2030, beyond the real two-year window."""
    monkeypatch.setattr("bilan.lib.dates.latest_booking_day", lambda: dt.date(2031, 1, 1))


def database_dump() -> str:
    """Everything the test database holds, as text, seen from the test's own transaction:
    SQLite's `.dump` (iterdump); on another database, every row of every table read with raw
    SQL (pg_dump could not see the test's uncommitted rows). For tests that look for clear
    text at rest (issue 16)."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    q = connection.ops.quote_name
    out: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {q(table)}")
            out.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    return "\n".join(out)


def reseed_if_flushed() -> None:
    """The data steps (RunPython) of every migration, in order, when a flush emptied the
    database (tested by the default hours rules, which nothing else deletes). They run on
    the current models: each seed uses get_or_create or creates into an empty table."""
    # why: a test helper loaded before the app registry is ready (the root conftest)
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    hours_rule = apps.get_model("organisations", "HoursRule")
    if hours_rule.objects.exists():
        return
    loader = MigrationLoader(connection)
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        for node in loader.graph.forwards_plan(leaf):
            if node not in plan:
                plan.append(node)
    with connection.schema_editor(atomic=False) as editor:
        for node in plan:
            for operation in loader.graph.nodes[node].operations:
                if isinstance(operation, RunPython):
                    operation.code(apps, editor)  # type: ignore[arg-type]  # the current registry
