"""Two middlewares of the logged-in session.

IdleSessionMiddleware: the idle expiry (REQ-54) without a database write on every request.
MfaRequiredMiddleware: after the grace period, a staff member without a confirmed TOTP device
is sent to enrolment on every page until done (API calls authenticate by token and are not
affected)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bilan.accounts.mfa import must_enrol

# The time of the session's last refresh, in seconds since the epoch.
REFRESHED_KEY = "_bilan_refreshed"


def stamp_refresh(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """Logging in saves the session anyway: it counts as the refresh (user_logged_in)."""
    if hasattr(request, "session"):
        request.session[REFRESHED_KEY] = int(time.time())


class IdleSessionMiddleware:
    """A logged-in session's expiry moves forward at most once every
    SESSION_IDLE_REFRESH_SECONDS: the session is saved (expiry = now + SESSION_COOKIE_AGE)
    only when that much time has passed since the last save. Idle means « no request for
    SESSION_COOKIE_AGE », give or take the refresh interval — instead of one session write and
    commit per request (SESSION_SAVE_EVERY_REQUEST), which cost every page a transaction.
    Placed right after SessionMiddleware, so that SessionMiddleware saves what it marks."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            now = int(time.time())
            last = session.get(REFRESHED_KEY, 0)
            if not isinstance(last, int) or now - last >= settings.SESSION_IDLE_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now  # modified: SessionMiddleware saves it
        return response


EXEMPT_PREFIXES = ("/api/", "/static/", "/media/")
EXEMPT_NAMES = ("accounts:mfa_enrol", "accounts:logout", "set_language")


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            exempt = {reverse(name) for name in EXEMPT_NAMES}
            memberships = getattr(user, "memberships_available", None) or []
            if request.path not in exempt and must_enrol(user, memberships):
                return redirect("accounts:mfa_enrol")
        return self.get_response(request)
