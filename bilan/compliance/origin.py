"""Where an audited action comes from: the channel and the client's hashed address.

Set once per request by `AuditOriginMiddleware` (web page or API, and the client IP hashed as
for attendance), or for a block of code by `audit_origin()`; outside both, the process says it:
the django-q worker (`manage.py qcluster`) or a management command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

WEB, API, WORKER, COMMAND = "web", "api", "worker", "command"
CHANNELS = (WEB, API, WORKER, COMMAND)


@dataclass
class Origin:
    channel: str
    ip_hash: str = ""
    denied_logged: bool = False  # a refusal of this request is already in the trail


_current: ContextVar[Origin | None] = ContextVar("bilan_audit_origin", default=None)


def process_channel() -> str:
    # django-q forks its workers from `manage.py qcluster`: they inherit its argv.
    return WORKER if "qcluster" in sys.argv else COMMAND


def current() -> Origin | None:
    return _current.get()


def channel_for(explicit: str | None) -> str:
    """The channel of an event: the request's when there is one, else the caller's, else the
    process's."""
    origin = _current.get()
    if origin is not None:
        return origin.channel
    return explicit or process_channel()


def ip_hash() -> str:
    origin = _current.get()
    return origin.ip_hash if origin is not None else ""


@contextmanager
def audit_origin(channel: str, ip_hash: str = "") -> Iterator[Origin]:
    origin = Origin(channel=channel, ip_hash=ip_hash)
    token = _current.set(origin)
    try:
        yield origin
    finally:
        _current.reset(token)
