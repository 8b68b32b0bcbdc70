"""Whether the django-q2 worker answers: its last heartbeat (tasks.heartbeat, every minute)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from bilan.worker.models import Heartbeat
from bilan.worker.tasks import WORKER

# Three missed beats: the worker is dead, stopped, or stuck.
SILENT_AFTER = dt.timedelta(minutes=3)


def silent_since(now: dt.datetime | None = None) -> dt.datetime | None:
    """The worker's last heartbeat when it is older than SILENT_AFTER, else None (it answers).

    None as well when tasks run in-process (Q_CLUSTER["sync"]: no worker to wait for), and
    when no heartbeat was ever written (a fresh database, or a development server without a
    worker: nothing was expected yet). Once a worker has beaten, its silence shows.
    """
    if settings.Q_CLUSTER.get("sync"):
        return None
    beat = Heartbeat.objects.filter(name=WORKER).values_list("beat_at", flat=True).first()
    if beat is None or beat >= (now or timezone.now()) - SILENT_AFTER:
        return None
    return beat
