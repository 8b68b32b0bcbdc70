"""An acknowledged autosave survives the death of the server (issue 11, item 21), and a write
waits for a lock another connection holds instead of failing (item 19): the production server
(gunicorn, bilan/lib/gunicorn_conf.py) run for real on a file SQLite database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from bilan.bilans.encryption import open_text, reset_caches
from bilan.lib.crypto import is_sealed
from bilan.lib.supervise import ROOT, answers
from bilan.lib.test_supervise import alive, descendants, free_port, wait_for

SETUP = """
import datetime as dt
from django.utils import timezone
from bilan.accounts.models import ApiToken
from bilan.bilans.models import Phase, Status
from bilan.entretiens.models import Entretien
from bilan.demo.scenario import advance_to
from bilan.bilans.testing import make_bilan, make_member, make_organisation
from bilan.organisations.models import Role

org = make_organisation("Durabilité", "durabilite")
consultant = make_member(org, "c@durable.test", Role.CONSULTANT, "Claire", "Durable")
beneficiary = make_member(org, "b@durable.test", Role.BENEFICIARY, "Bruno", "Durable")
bilan = advance_to(make_bilan(org, beneficiary, consultant), Status.PRELIMINARY)
entretien = Entretien.schedule(
    bilan=bilan, by=consultant, phase=Phase.PRELIMINARY,
    starts_at=timezone.now() - dt.timedelta(hours=1), planned_minutes=30,
)
print("SETUP", ApiToken.issue(consultant), entretien.pk)
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    var = tmp_path_factory.mktemp("durable")
    database = var / "bilan.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "PRIVATE_MEDIA_ROOT": str(var / "private"),
        "MEDIA_ROOT": str(var / "media"),
        "BILAN_KEYS_ROOT": str(var / "keys"),
        "DEBUG": "false",
    }
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    token, entretien = out.split("SETUP", 1)[1].split()
    return {"env": env, "database": database, "token": token, "entretien": int(entretien)}


def serve(site: dict, port: int) -> subprocess.Popen:
    """gunicorn as bin/run starts it (one worker), in its own session."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:bilan.lib.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=site["env"],
        start_new_session=True,
    )
    assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), 30), "gunicorn did not start"
    return process


def call(port: int, site: dict, method: str, path: str, body: dict | None = None) -> tuple:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {site['token']}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def save(port: int, site: dict, text: str, base_version: int) -> tuple:
    return call(
        port,
        site,
        "PUT",
        f"/entretiens/{site['entretien']}/notes/free",
        {"text": text, "base_version": base_version},
    )


def kill_hard(process: subprocess.Popen) -> None:
    """kill -9 of the master and of its worker: no chance to flush or finish anything."""
    tree = descendants(process.pid) | {process.pid}
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert wait_for(lambda: not any(alive(pid) for pid in tree), 5)


def stored_note(database: Path, entretien: int) -> tuple | None:
    """The note as the file holds it: sealed (issue 16), opened with the site's key store."""
    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT text, version FROM entretiens_entretiennote WHERE entretien_id = ? AND key = ?",
            (entretien, "free"),
        ).fetchone()
    if row is None:
        return None
    assert is_sealed(row[0])
    with override_settings(BILAN_KEYS_ROOT=database.parent / "keys"):
        reset_caches()
        return (open_text(row[0]), row[1])


def test_an_acknowledged_autosave_survives_a_kill_9_of_the_server(site):
    port = free_port()
    server = serve(site, port)
    try:
        version = stored_note(site["database"], site["entretien"])
        version = version[1] if version else 0
        for i in range(1, 21):
            text = f"Saisie {i} : le bénéficiaire décrit son parcours."
            status, note = save(port, site, text, version)
            assert status == 200
            assert note["version"] == version + 1
            version = note["version"]
        last = text
    finally:
        kill_hard(server)  # right after the last 200
    assert stored_note(site["database"], site["entretien"]) == (last, version)
    port = free_port()
    server = serve(site, port)
    try:
        status, notes = call(port, site, "GET", f"/entretiens/{site['entretien']}/notes")
        assert status == 200
        (free,) = [n for n in notes if n["key"] == "free"]
        assert (free["text"], free["version"]) == (last, version)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def test_a_save_waits_for_a_write_lock_held_by_another_connection(site):
    """Another connection (a backup, a long transaction) holds the write lock for 6 s, longer
    than sqlite3's default 5 s busy timeout (the issue's reproduction: 500 « database is
    locked »): the save waits (timeout 20 s) and answers 200."""
    port = free_port()
    server = serve(site, port)
    try:
        version = stored_note(site["database"], site["entretien"])
        version = version[1] if version else 0
        holder = sqlite3.connect(site["database"], isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(6.0, holder.execute, ("COMMIT",))
        release.start()
        started = time.monotonic()
        status, note = save(port, site, "Écrit pendant un verrou", version)
        waited = time.monotonic() - started
        release.join()
        holder.close()
        assert status == 200 and note["version"] == version + 1
        assert waited >= 5.5  # it did wait for the lock
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
