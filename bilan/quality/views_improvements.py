"""The improvement actions register (staff read it; the admin creates and updates actions).
Rules in improvements.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.accounts.models import User
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import require_membership, staff_required
from bilan.quality import complaints, improvements
from bilan.quality.models import Complaint, ImprovementSource, ImprovementStatus, SurveyKind

FIELDS = ("source", "title", "description", "owner", "due_on", "complaint", "survey_kind",
          "source_note")  # fmt: skip


def status_of(exc: RuleViolation) -> int:
    return 403 if exc.code == "forbidden" else 422


def parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise RuleViolation(_t("Date invalide (jj/mm/aaaa)."), code="invalid") from None


def owner_from(request: AuthenticatedRequest, value: str) -> User | None:
    if not value.isdigit():
        return None
    organisation = require_membership(request.user).organisation
    return improvements.owners_of(organisation).filter(pk=int(value)).first()


def complaint_from(request: AuthenticatedRequest, value: str) -> Complaint | None:
    if not value.isdigit():
        return None
    return complaints.complaints_for(request.user).filter(pk=int(value)).first()


def register_page(
    request: AuthenticatedRequest, status: int = 200, **extra: Any
) -> TemplateResponse:
    organisation = require_membership(request.user).organisation
    typed = extra.pop("typed", None) or {
        "source": "complaint" if request.GET.get("complaint") else "",
        "complaint": request.GET.get("complaint", ""),
    }
    return TemplateResponse(
        request,
        "quality/improvements.html",
        {
            "actions": improvements.improvements_for(request.user),
            "sources": ImprovementSource.choices,
            "statuses": ImprovementStatus.choices,
            "survey_kinds": SurveyKind.choices,
            "owners": improvements.owners_of(organisation),
            "complaints": complaints.complaints_for(request.user),
            "typed": typed,
            **extra,
        },
        status=status,
    )


@staff_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    return register_page(request)


@staff_required
@require_POST
def improvement_new(request: AuthenticatedRequest) -> HttpResponse:
    typed = {name: request.POST.get(name, "") for name in FIELDS}
    try:
        action = improvements.create_improvement(
            organisation=require_membership(request.user).organisation,
            by=request.user,
            source=typed["source"],
            title=typed["title"],
            description=typed["description"],
            owner=owner_from(request, typed["owner"]),
            due_on=parse_day(typed["due_on"]),
            complaint=complaint_from(request, typed["complaint"]),
            survey_kind=typed["survey_kind"],
            source_note=typed["source_note"],
        )
    except RuleViolation as exc:
        return register_page(request, status_of(exc), error=" ".join(exc.messages), typed=typed)
    messages.success(request, _t("Action d'amélioration enregistrée."))
    return redirect("quality:improvement", pk=action.pk)


def detail_page(
    request: AuthenticatedRequest, pk: int, status: int = 200, **extra: Any
) -> TemplateResponse:
    action = improvements.get_improvement_for_user(request.user, pk)
    return TemplateResponse(
        request,
        "quality/improvement.html",
        {
            "action": action,
            "statuses": ImprovementStatus.choices,
            "owners": improvements.owners_of(action.organisation),
            **extra,
        },
        status=status,
    )


@staff_required
def improvement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return detail_page(request, pk)


@staff_required
@require_POST
def improvement_update(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    action = improvements.get_improvement_for_user(request.user, pk)
    try:
        improvements.update_improvement(
            action=action,
            by=request.user,
            status=request.POST.get("status") or None,
            owner=owner_from(request, request.POST.get("owner", "")),
            due_on=parse_day(request.POST.get("due_on", "")),
            effect=request.POST.get("effect"),
        )
    except RuleViolation as exc:
        return detail_page(request, pk, status_of(exc), error=" ".join(exc.messages))
    messages.success(request, _t("Action mise à jour."))
    return redirect("quality:improvement", pk=pk)


urlpatterns: list[Any] = [
    path("ameliorations/", register, name="improvements"),
    path("ameliorations/nouvelle/", improvement_new, name="improvement_new"),
    path("ameliorations/<int:pk>/", improvement_detail, name="improvement"),
    path("ameliorations/<int:pk>/modifier/", improvement_update, name="improvement_update"),
]
