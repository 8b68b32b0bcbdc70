"""The worker's heartbeat: one row, written every minute by the django-q2 worker (tasks.py)."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """When a worker last ran a task: `name` « worker » is the django-q2 cluster's."""

    name = models.CharField(max_length=50, primary_key=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
