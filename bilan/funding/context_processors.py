"""The Qualiopi alert on the administration's pages (D-90, D-30, missing: funding.qualiopi)."""

from __future__ import annotations

from django.http import HttpRequest

from bilan.funding import qualiopi
from bilan.organisations.models import Role


def qualiopi_alert(request: HttpRequest) -> dict[str, str]:
    membership = getattr(getattr(request, "user", None), "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        return {}
    return {"qualiopi_alert": qualiopi.alert_for(membership.organisation)}
