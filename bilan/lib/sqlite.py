"""SQLite under contention (issue 11, item 19): a request that met « database is locked » is
run once more.

SQLite lets one writer at a time. Django opens every write transaction with BEGIN IMMEDIATE
(`transaction_mode` in config/settings.py) and waits up to the busy `timeout` (20 s) for the
lock; past that, `OperationalError: database is locked`. Rather than a 500, the view is
called a second time: its first attempt was rolled back by `atomic` (nothing half-saved), the
body is cached by Django (`request.body`, `request.POST`), and no response was started (the
view raised). The retry happens only when the connection is not inside an outer transaction
(ATOMIC_REQUESTS or a test's), which must be rolled back first.

On PostgreSQL nothing changes: the middleware does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

T = TypeVar("T")


def is_locked(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's « database is locked » (or « … table is locked »)."""
    return isinstance(exc, OperationalError) and "is locked" in str(exc)


def may_retry(alias: str = DEFAULT_DB_ALIAS) -> bool:
    connection = connections[alias]
    return connection.vendor == "sqlite" and not connection.in_atomic_block


def retry_once_if_locked(func: Callable[[], T], *, alias: str = DEFAULT_DB_ALIAS) -> T:
    """Call `func()`; if SQLite said « database is locked », call it once more."""
    try:
        return func()
    except OperationalError as exc:
        if not (is_locked(exc) and may_retry(alias)):
            raise
        log.warning("database is locked: running %r once more", func)
        return func()


class SqliteLockRetryMiddleware:
    """Runs a view once more when it raised « database is locked » on SQLite (see above).

    Its process_exception must run before any other: it sits last in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not (is_locked(exception) and may_retry()) or getattr(request, "_lock_retried", False):
            return None
        match = request.resolver_match
        if match is None:
            return None
        request._lock_retried = True  # type: ignore[attr-defined]  # a mark on this request only
        log.warning("database is locked: %s %s runs once more", request.method, request.path)
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response
