"""Axes on every login that comes through a request (pages, API); code that authenticates
without a request (the test client's login, a shell) has no address to throttle."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class ThrottledBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):  # noqa: ANN001, ANN201
        if request is None:
            return None  # the next backend (ModelBackend) checks the password
        return super().authenticate(request, username=username, password=password, **kwargs)
