"""Axes on every login that comes through a request (pages, API); code that authenticates
without a request (the test client's login, a shell) has no address to throttle."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from bilan.accounts.models import User


class ThrottledBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes ships no types
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None:
            return None  # the next backend (ModelBackend) checks the password
        user: User | None = super().authenticate(
            request, username=username, password=password, **kwargs
        )
        return user
