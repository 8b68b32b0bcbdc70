"""bin/run's supervisor: gunicorn and the django-q2 worker, started, watched and stopped together.

    python -m bilan.lib.supervise --port 8000

- Each child runs in its own session, so a signal to bin/run's whole process group (what
  systemd and `timeout` send) reaches the supervisor only: django-q2 1.11.1 hangs when its
  own children get the TERM at the same time as its main process.
- Stopping: TERM to each child's main process, then KILL to each child's whole group after
  STOP_DEADLINE seconds (and always, for what a clean exit left behind).
- A child that dies is restarted with a back-off; after MAX_QUICK_FAILURES deaths in a row each
  within QUICK seconds of its start, everything stops and the exit status is 1.
- The children get SIGTERM when the supervisor dies (PR_SET_PDEATHSIG), even by kill -9.

Standard library only (it also runs under plain python3); Linux for PR_SET_PDEATHSIG.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STOP_DEADLINE = 10.0  # seconds between the TERM and the KILL of a child's group
QUICK = 30.0  # a child dying sooner than this after its start counts as a quick failure
MAX_QUICK_FAILURES = 5
BACKOFF_MAX = 30.0
START_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask Linux to send `sig` to this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl: act as if the signal came
        os.kill(os.getpid(), sig)


def port_is_free(host: str, port: int) -> bool:
    """Whether gunicorn will be able to bind: same SO_REUSEADDR as gunicorn, so a port left
    in TIME_WAIT by the previous run counts as free and only a live listener counts as taken."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def answers(url: str) -> bool:
    """Whether the server answers `url` with any HTTP status."""
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def say(message: str) -> None:
    print(f"bin/run: {message}", file=sys.stderr, flush=True)


class Child:
    """One supervised command, in its own session, restarted with a back-off when it dies."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name, self.argv = name, argv
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.quick_failures = 0
        self.restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, start_new_session=True, preexec_fn=die_with_parent
        )
        self.started = time.monotonic()
        self.restart_at = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def died(self) -> int | None:
        """The exit status if the child died since it was last (re)started, else None."""
        if self.process is None or self.restart_at is not None:
            return None
        return self.process.poll()

    def schedule_restart(self) -> bool:
        """Plan the restart after a death; False when it failed too often, too quickly."""
        self.kill_group()  # what the dead main process left behind (its workers)
        lived = time.monotonic() - self.started
        self.quick_failures = self.quick_failures + 1 if lived < QUICK else 0
        if self.quick_failures >= MAX_QUICK_FAILURES:
            return False
        delay = min(BACKOFF_MAX, 2.0 ** max(0, self.quick_failures - 1))
        self.restart_at = time.monotonic() + delay
        return True

    def due(self) -> bool:
        return self.restart_at is not None and time.monotonic() >= self.restart_at

    def terminate(self) -> None:
        if self.process is not None and self.running():
            self.process.send_signal(signal.SIGTERM)

    def kill_group(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # nothing left in the group
        self.process.poll()


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self.stop_signal: int | None = None

    def on_signal(self, signum: int, _frame: object) -> None:
        self.stop_signal = signum

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self.on_signal)

    def pause(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.stop_signal is None and time.monotonic() < end:
            time.sleep(0.1)

    def stop(self) -> None:
        """TERM to every main process, wait up to STOP_DEADLINE, then KILL every group."""
        for child in self.children:
            child.terminate()
        deadline = time.monotonic() + STOP_DEADLINE
        while any(c.running() for c in self.children) and time.monotonic() < deadline:
            time.sleep(0.1)
        for child in self.children:
            if child.running():
                say(f"{child.name} did not stop within {STOP_DEADLINE:.0f} s: killed")
            child.kill_group()
            if child.process is not None:
                child.process.wait()

    def watch(self) -> int:
        """Restart what dies until a stop signal (exit 0) or too many quick deaths (exit 1)."""
        while self.stop_signal is None:
            for child in self.children:
                status = child.died()
                if status is not None:
                    say(f"{child.name} (pid {child.pid}) exited with status {status}")
                    if not child.schedule_restart():
                        say(
                            f"{child.name} died {MAX_QUICK_FAILURES} times in a row within "
                            f"{QUICK:.0f} s of starting: stopping Bilan"
                        )
                        self.stop()
                        return 1
                    wait = (child.restart_at or time.monotonic()) - time.monotonic()
                    say(f"restarting {child.name} in {wait:.0f} s")
                elif child.due():
                    child.start()
                    say(f"{child.name} restarted (pid {child.pid})")
            self.pause(0.5)
        self.stop()
        return 0


def touch(path: Path) -> None:
    """Start the heartbeat clock (bilan.worker.status): the worker must beat from now on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    url = f"http://{args.host}:{args.port}/"
    if not port_is_free(args.host, args.port):
        say(
            f"port {args.port} on {args.host} is already in use; "
            f"choose another, e.g. PORT={args.port + 1} bin/run"
        )
        return 1
    python = sys.executable
    server = Child(
        "gunicorn",
        [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:bilan.lib.gunicorn_conf",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
        ],
    )
    # The django-q2 worker: queued tasks (synthèse renders) and schedules (reminders).
    worker = Child("qcluster", [python, "manage.py", "qcluster"])
    supervisor = Supervisor([server, worker])
    supervisor.install()
    # Same path as bilan.worker.status.started_at reads.
    touch(Path(os.environ.get("WORKER_HEARTBEAT_FILE") or ROOT / "var" / "worker-heartbeat"))
    server.start()
    worker.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(url):
        if supervisor.stop_signal is not None:
            supervisor.stop()
            return 0
        if not server.running():
            say("the server stopped during start-up (see above)")
            supervisor.stop()
            return 1
        if time.monotonic() > deadline:
            say(f"the server did not answer on {url} within {START_TIMEOUT:.0f} s")
            supervisor.stop()
            return 1
        time.sleep(0.3)
    print(f"\nBilan is running at {url} — Ctrl-C to stop", flush=True)
    return supervisor.watch()


if __name__ == "__main__":
    sys.exit(main())
