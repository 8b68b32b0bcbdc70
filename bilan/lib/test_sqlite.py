"""SQLite under contention: a busy timeout, and a request that met « database is locked » runs
once more (bilan.lib.sqlite)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from bilan.api.test_api import Api
from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens import api_notes
from bilan.entretiens import notes as entretien_notes
from bilan.entretiens.models import Entretien, EntretienNote
from bilan.lib import sqlite

calls: list[str] = []


def flaky(
    failures: int, message: str = "database is locked"
) -> Callable[[HttpRequest], HttpResponse]:
    """A view that raises OperationalError(message) `failures` times, then answers."""

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request.POST.get("text", ""))
        if len(calls) <= failures:
            raise OperationalError(message)
        return HttpResponse(f"ok after {len(calls)}")

    return view


urlpatterns = [
    path("once/", flaky(1)),
    path("always/", flaky(99)),
    path("other/", flaky(1, "no such table: nowhere")),
]


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    calls.clear()


@pytest.fixture
def as_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry decision as on SQLite whatever database runs the suite (CI runs it on
    PostgreSQL too): the locks below are simulated, only the vendor check is SQLite's."""
    monkeypatch.setattr(connection, "vendor", "sqlite")


def test_the_sqlite_connection_waits_20_seconds_for_a_lock() -> None:
    assert settings.SQLITE_OPTIONS["timeout"] == 20
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    if connection.vendor == "sqlite":
        assert settings.DATABASES["default"]["OPTIONS"] == settings.SQLITE_OPTIONS


def test_the_busy_timeout_lets_a_writer_wait_for_a_lock_held_one_second(tmp_path: Path) -> None:
    """A second connection holds the write lock (BEGIN IMMEDIATE) for ~1 s: with the settings'
    timeout, our BEGIN IMMEDIATE waits and succeeds instead of « database is locked »."""
    db = tmp_path / "contention.sqlite3"
    busy_timeout = settings.SQLITE_OPTIONS["timeout"]
    assert isinstance(busy_timeout, int)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(1.0, holder.execute, ("COMMIT",))
    release.start()
    try:
        ours = sqlite3.connect(
            db,
            isolation_level=None,
            timeout=busy_timeout,
        )
        started = time.monotonic()
        ours.execute("BEGIN IMMEDIATE")
        ours.execute("INSERT INTO t VALUES (2)")
        ours.execute("COMMIT")
        waited = time.monotonic() - started
    finally:
        release.join()
    assert 0.5 < waited < 10
    assert ours.execute("SELECT count(*) FROM t").fetchone() == (2,)
    # Without a busy timeout, the same write fails at once: what the timeout is for.
    holder.execute("BEGIN IMMEDIATE")
    impatient = sqlite3.connect(db, isolation_level=None, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.execute("BEGIN IMMEDIATE")
    holder.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("as_sqlite")
def test_the_retry_wrapper_calls_a_function_that_met_a_lock_once_more() -> None:
    attempts: list[int] = []

    def write() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")
        return "saved"

    assert sqlite.retry_once_if_locked(write) == "saved"
    assert len(attempts) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("as_sqlite")
def test_the_retry_wrapper_retries_only_once_and_only_a_lock() -> None:
    attempts: list[int] = []

    def locked() -> None:
        attempts.append(1)
        raise OperationalError("database is locked")

    with pytest.raises(OperationalError):
        sqlite.retry_once_if_locked(locked)
    assert len(attempts) == 2

    def broken() -> None:
        attempts.append(1)
        raise OperationalError("no such table: nowhere")

    attempts.clear()
    with pytest.raises(OperationalError):
        sqlite.retry_once_if_locked(broken)
    assert len(attempts) == 1


@pytest.mark.django_db
def test_no_retry_inside_an_outer_transaction() -> None:
    """The test's own transaction is open: the failed statement must roll it back first."""
    assert connection.in_atomic_block
    assert not sqlite.may_retry()


@pytest.mark.django_db(transaction=True)
def test_no_retry_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "vendor", "postgresql")
    assert not sqlite.may_retry()


@pytest.mark.urls("bilan.lib.test_sqlite")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("as_sqlite")
def test_a_request_that_met_a_lock_is_answered_by_its_second_run_with_its_body(
    client: Client,
) -> None:
    response = client.post("/once/", {"text": "Bonjour"})
    assert response.status_code == 200
    assert response.content == b"ok after 2"
    assert calls == ["Bonjour", "Bonjour"]  # the body, read by the first run, is still there


@pytest.mark.urls("bilan.lib.test_sqlite")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("as_sqlite")
def test_a_request_is_retried_once_only_and_never_for_other_errors(client: Client) -> None:
    client.raise_request_exception = False
    assert client.post("/always/", {"text": "x"}).status_code == 500
    assert len(calls) == 2
    calls.clear()
    assert client.post("/other/", {"text": "x"}).status_code == 500
    assert len(calls) == 1


def test_an_api_save_that_met_a_lock_is_saved_by_its_second_run(
    cast: SimpleNamespace, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through django-ninja (which lets unhandled errors reach Django when DEBUG is off): the
    note autosave meets « database is locked » once, answers 200, and is saved once."""
    import datetime as dt

    from django.urls import resolve
    from django.utils import timezone

    resolve("/api/v1/bilans")  # loads the API (its modules import each other)

    advance_to(cast.bilan, Status.PRELIMINARY)
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=30,
    )
    real = entretien_notes.save_note  # what bilan.entretiens.api_notes imported and calls
    attempts: list[int] = []

    def locked_once(**kwargs: Any) -> EntretienNote:
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(api_notes, "save_note", locked_once)
    api = Api(cast)
    # As on SQLite (see as_sqlite), for the request only: the flush after the test must see
    # the real vendor (the audit table's maintenance switch differs on PostgreSQL).
    with monkeypatch.context() as local:
        local.setattr(connection, "vendor", "sqlite")
        response = api.client.put(
            f"/api/v1/entretiens/{entretien.pk}/notes/free",
            data={"text": "Malgré le verrou", "base_version": 0},
            content_type="application/json",
            headers={"Authorization": f"Bearer {api.tokens['consultant']}"},
        )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 1
    assert len(attempts) == 2
    assert EntretienNote.objects.get(entretien=entretien, key="free").text == "Malgré le verrou"
