"""The information notice's seat in the core (REQ-58): the version in force is server-side
data owned by `bilan.lifecycle.notice`, which registers itself here when the app is ready;
`Bilan.record_consent` asks here, never the client. Without the lifecycle app (a bare core),
the INFORMATION_NOTICE_VERSION setting is the version."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings

_current: Callable[[], str] | None = None

# The session key under which a page notes the version of the notice the server showed.
SHOWN = "notice_shown"


def register(current_version: Callable[[], str]) -> None:
    """Called once by the owning app's AppConfig.ready."""
    global _current
    _current = current_version


def current_version() -> str:
    if _current is not None:
        return _current()
    version: str = settings.INFORMATION_NOTICE_VERSION
    return version
