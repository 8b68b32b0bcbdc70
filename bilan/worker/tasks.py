"""The worker's heartbeat (issue 11, item 15): the django-q2 schedule « bilan-worker-heartbeat »
runs `heartbeat` every minute. It proves a worker takes tasks (staff pages warn when it stops:
status.py), and it sweeps the synthèse render jobs a dead worker left « en cours »."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bilan.documents.tasks import fail_abandoned
from bilan.worker.models import Heartbeat

WORKER = "worker"


def heartbeat(now: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"beat_at": now or timezone.now()})
    fail_abandoned(now=now)
