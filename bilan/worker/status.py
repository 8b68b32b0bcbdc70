"""Whether the django-q2 worker answers: its last heartbeat (tasks.heartbeat, every minute)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bilan.worker.models import Heartbeat
from bilan.worker.tasks import WORKER

# Three missed beats: the worker is dead, stopped, or stuck.
SILENT_AFTER = dt.timedelta(minutes=3)


def started_at() -> dt.datetime | None:
    """When bin/run last started the worker: the supervisor touches this file (supervise.py)
    as it starts qcluster, so a beat from before a restart is not taken for a silence."""
    path = Path(
        os.environ.get("WORKER_HEARTBEAT_FILE") or settings.BASE_DIR / "var" / "worker-heartbeat"
    )
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    except OSError:
        return None


def silent_since(now: dt.datetime | None = None) -> dt.datetime | None:
    """Since when the worker has been silent, if for longer than SILENT_AFTER; else None.

    That is its last heartbeat, or bin/run's last start of the worker when more recent.
    None when tasks run in-process (Q_CLUSTER["sync"]: no worker to wait for), and when no
    heartbeat was ever written (a fresh database, or a development server without a worker:
    nothing was expected yet). Once a worker has beaten, its silence shows.
    """
    if settings.Q_CLUSTER.get("sync"):
        return None
    beat = Heartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True).first()
    if beat is None:
        return None
    start = started_at()
    last = max(beat, start) if start else beat
    return last if last < (now or timezone.now()) - SILENT_AFTER else None
