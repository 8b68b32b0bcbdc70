"""The complaints register of the staff: the list, a complaint entered from an e-mail, a call
or a letter, its treatment and answer, and the deadline setting. Staff read and enter; the
admin (quality) treats and answers and sets the deadline. Rules in complaints.py."""

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
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import require_membership, staff_required
from bilan.quality import complaints
from bilan.quality.models import (
    ComplainantRole,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
)

STAFF_CHANNELS = [c for c in ComplaintChannel.choices if c[0] != ComplaintChannel.PORTAL]


def status_of(exc: RuleViolation) -> int:
    return 403 if exc.code == "forbidden" else 422


def register_page(
    request: AuthenticatedRequest, status: int = 200, **extra: Any
) -> TemplateResponse:
    organisation = require_membership(request.user).organisation
    rows = complaints.complaints_for(request.user)
    wanted = request.GET.get("status", "")
    if wanted in ComplaintStatus.values:
        rows = rows.filter(status=wanted)
    return TemplateResponse(
        request,
        "quality/complaints.html",
        {
            "complaints": rows,
            "statuses": ComplaintStatus.choices,
            "wanted": wanted,
            "settings": complaints.settings_for(organisation),
            "channels": STAFF_CHANNELS,
            "roles": ComplainantRole.choices,
            "categories": ComplaintCategory.choices,
            "typed": {},
            **extra,
        },
        status=status,
    )


@staff_required
def register(request: AuthenticatedRequest) -> HttpResponse:
    return register_page(request)


def parse_day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise RuleViolation(
            _t("Date de réception invalide (jj/mm/aaaa)."), code="invalid"
        ) from None


@staff_required
@require_POST
def complaint_new(request: AuthenticatedRequest) -> HttpResponse:
    typed = {k: request.POST.get(k, "") for k in (
        "text", "category", "channel", "complainant_role", "complainant_name",
        "complainant_email", "received_on",
    )}  # fmt: skip
    try:
        complaint = complaints.create_complaint(
            organisation=require_membership(request.user).organisation,
            by=request.user,
            text=typed["text"],
            category=typed["category"],
            channel=typed["channel"],
            complainant_role=typed["complainant_role"],
            complainant_name=typed["complainant_name"],
            complainant_email=typed["complainant_email"],
            received_on=parse_day(typed["received_on"]),
        )
    except RuleViolation as exc:
        return register_page(request, status_of(exc), error=" ".join(exc.messages), typed=typed)
    messages.success(
        request,
        _t("Réclamation %(ref)s enregistrée.") % {"ref": complaint.reference}
        + (
            " " + _t("L'accusé de réception part par e-mail.")
            if complaint.complainant_email
            else ""
        ),
    )
    return redirect("quality:complaint", pk=complaint.pk)


def detail_page(
    request: AuthenticatedRequest, pk: int, status: int = 200, **extra: Any
) -> TemplateResponse:
    complaint = complaints.get_complaint_for_user(request.user, pk)
    return TemplateResponse(
        request,
        "quality/complaint.html",
        {"complaint": complaint, **extra},
        status=status,
    )


@staff_required
def complaint_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return detail_page(request, pk)


@staff_required
@require_POST
def complaint_treat(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = complaints.get_complaint_for_user(request.user, pk)
    try:
        complaints.treat_complaint(
            complaint=complaint,
            by=request.user,
            treatment=request.POST.get("treatment", ""),
            answer=request.POST.get("answer", ""),
            send_answer="send" in request.POST,
        )
    except RuleViolation as exc:
        return detail_page(
            request,
            pk,
            status_of(exc),
            error=" ".join(exc.messages),
            typed={"treatment": request.POST.get("treatment", ""),
                   "answer": request.POST.get("answer", "")},
        )  # fmt: skip
    messages.success(request, _t("Réclamation mise à jour."))
    return redirect("quality:complaint", pk=pk)


@staff_required
@require_POST
def complaint_settings(request: AuthenticatedRequest) -> HttpResponse:
    try:
        complaints.update_settings(
            organisation=require_membership(request.user).organisation,
            by=request.user,
            complaint_answer_days=int(request.POST.get("complaint_answer_days", "")),
            complaint_alert_days=int(request.POST.get("complaint_alert_days", "")),
        )
    except ValueError:
        return register_page(request, 422, settings_error=_t("Indiquez un nombre de jours."))
    except RuleViolation as exc:
        return register_page(request, status_of(exc), settings_error=" ".join(exc.messages))
    messages.success(
        request, _t("Délais enregistrés : ils valent pour les prochaines réclamations.")
    )
    return redirect("quality:complaints")


urlpatterns: list[Any] = [
    path("reclamations/", register, name="complaints"),
    path("reclamations/nouvelle/", complaint_new, name="complaint_new"),
    path("reclamations/delais/", complaint_settings, name="complaint_settings"),
    path("reclamations/<int:pk>/", complaint_detail, name="complaint"),
    path("reclamations/<int:pk>/traitement/", complaint_treat, name="complaint_treat"),
]
