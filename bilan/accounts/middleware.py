"""After the grace period, a staff member without a confirmed TOTP device is sent to
enrolment on every page until done (API calls authenticate by token and are not affected)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bilan.accounts.mfa import must_enrol

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
