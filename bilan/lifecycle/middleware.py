"""A changed information notice is shown again at the next login (REQ-58): until she has
acknowledged it, the beneficiary's space leads to it. Set at login (lifecycle.notice.on_login),
so an ordinary request costs one session read."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from bilan.lifecycle.notice import PENDING


class NoticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(PENDING) and request.method == "GET":
            page = reverse("portal:notice")
            if request.path.startswith("/espace/") and request.path != page:
                return redirect(f"{page}?next={request.path}")
        return self.get_response(request)
