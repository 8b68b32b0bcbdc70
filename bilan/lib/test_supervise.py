"""bin/run's supervisor, run for real on a free port and a temporary SQLite database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bilan.lib.supervise import ROOT, port_is_free


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("var")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'bilan.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(var / "private"),
        "WORKER_HEARTBEAT_FILE": str(var / "worker-heartbeat"),
        "DEBUG": "false",
    }
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, whatever session it moved to (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start(env: dict[str, str], port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(  # its own group, as systemd or `timeout` would start it
        [sys.executable, "-m", "bilan.lib.supervise", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    for line in process.stdout:
        if "Bilan is running" in line:
            return process
        assert time.monotonic() < deadline
    raise AssertionError("the supervisor stopped before announcing the URL")


def wait_for(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def test_a_term_to_the_whole_process_group_stops_everything_within_15_seconds(
    env: dict[str, str],
) -> None:
    port = free_port()
    process = start(env, port)
    time.sleep(2)  # let qcluster fork its sentinel, pusher, monitor and workers
    tree = descendants(process.pid)
    assert len(tree) >= 5  # gunicorn master + 2 workers, qcluster + its children
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert wait_for(lambda: not any(alive(pid) for pid in tree), 2)
    assert port_is_free("127.0.0.1", port)  # a restart right away binds (TIME_WAIT is fine)


def test_a_killed_worker_is_restarted_and_a_killed_master_takes_its_workers_along(
    env: dict[str, str],
) -> None:
    port = free_port()
    process = start(env, port)
    try:
        time.sleep(1)
        tree = descendants(process.pid)
        direct = [
            p
            for p in tree
            if int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1]) == process.pid
        ]
        cmdlines = {p: Path(f"/proc/{p}/cmdline").read_bytes() for p in direct}
        (qcluster,) = [p for p, c in cmdlines.items() if b"qcluster" in c]
        (master,) = [p for p, c in cmdlines.items() if b"gunicorn" in c]
        workers = descendants(master)
        assert len(workers) == 2
        os.kill(qcluster, signal.SIGKILL)
        os.kill(master, signal.SIGKILL)
        assert wait_for(lambda: not any(alive(p) for p in workers), 3)  # no orphan serves
        restarted = lambda: {  # noqa: E731
            p
            for p in descendants(process.pid)
            if p not in tree and b"qcluster" in Path(f"/proc/{p}/cmdline").read_bytes()
        }
        assert wait_for(restarted, 10)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
