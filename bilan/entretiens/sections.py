"""Entretiens' parts of the core's staff pages (registered in bilan/bilans/sections.py when
the app is ready): the bilan page's entretien list, booking form and inter-session work, and
the dashboards' upcoming and overdue entretiens."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import QuerySet

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import Bilan
from bilan.entretiens.assignments import done_recently, overdue_assignments, read_assignments
from bilan.entretiens.models import Entretien
from bilan.entretiens.views_schedule import schedule_form
from bilan.organisations.models import Role


def detail(request: AuthenticatedRequest, bilan: Bilan, bound: dict[str, Any]) -> dict[str, Any]:
    return {
        "entretiens": bilan.entretiens.all(),
        # Called by the template only where the section renders, so its audit rows are exact.
        "assignments": partial(read_assignments, reader=request.user, bilan=bilan),
        "schedule_form": schedule_form(bilan, request.user, bound),
    }


def dashboard(request: AuthenticatedRequest, bilans: QuerySet[Bilan], role: str) -> dict[str, Any]:
    entretiens = Entretien.objects.filter(bilan__in=bilans)
    if role == Role.ADMIN:
        return {"overdue": entretiens.overdue().count()}
    entretiens = entretiens.select_related("bilan__beneficiary")
    return {
        "upcoming": entretiens.upcoming()[:10],
        "overdue": entretiens.overdue()[:20],
        "overdue_assignments": overdue_assignments(bilans),
        "done_recently": done_recently(bilans),
    }
