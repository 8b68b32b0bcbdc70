"""Request types for the type checker: what the middleware stack adds to Django's request."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from bilan.accounts.models import User


class Request(HttpRequest):
    """Any request: django-htmx's middleware attaches `htmx`."""

    htmx: HtmxDetails


class AuthenticatedRequest(Request):
    """The request of a view behind login_required (or a check that implies it): a real user."""

    user: User
