"""The audit pack page (admin): the live indicator dashboard for a period, the request of a
pack (period, sample size and seed, or chosen bilans), its progress polled every second, and
the download. Rules in pack.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import require_membership, role_required
from bilan.organisations.models import Role
from bilan.quality import indicators, pack
from bilan.quality.models import PackStatus

admin_required = role_required(Role.ADMIN)


def day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise RuleViolation(_t("Date invalide (jj/mm/aaaa)."), code="invalid") from None


def numbers(value: str) -> list[int]:
    parts = [p for p in value.replace(",", " ").split() if p]
    if not all(p.isdigit() and len(p) < 18 for p in parts):
        raise RuleViolation(
            _t("Indiquez les numéros des bilans, séparés par des espaces."), "invalid"
        )
    return [int(p) for p in parts]


def page(request: AuthenticatedRequest, status: int = 200, **extra: Any) -> TemplateResponse:
    organisation = require_membership(request.user).organisation
    try:
        period = indicators.period(day(request.GET.get("start")), day(request.GET.get("end")))
    except RuleViolation as exc:
        period, extra["error"], status = indicators.period(), " ".join(exc.messages), 422
    evidence = pack.dashboard(organisation, period)
    return TemplateResponse(
        request,
        "quality/pack.html",
        {
            "period": period,
            "evidence": evidence,
            "covered": sum(1 for e in evidence if e.covered),
            "packs": pack.packs_for(request.user)[:10],
            "typed": {},
            **extra,
        },
        status=status,
    )


@admin_required
def audit_pack(request: AuthenticatedRequest) -> HttpResponse:
    return page(request)


@admin_required
@require_POST
def audit_pack_build(request: AuthenticatedRequest) -> HttpResponse:
    typed = {k: request.POST.get(k, "") for k in ("start", "end", "size", "seed", "chosen")}
    try:
        size = int(typed["size"] or "20")
        seed = int(typed["seed"]) if typed["seed"].strip() else None
    except ValueError:
        return page(request, 422, build_error=_t("Indiquez des nombres entiers."), typed=typed)
    try:
        made = pack.request_pack(
            organisation=require_membership(request.user).organisation,
            by=request.user,
            start=day(typed["start"]),
            end=day(typed["end"]),
            size=size,
            seed=seed,
            chosen=numbers(typed["chosen"]),
        )
    except RuleViolation as exc:
        status = 403 if exc.code == "forbidden" else 422
        return page(request, status, build_error=" ".join(exc.messages), typed=typed)
    return redirect("quality:audit_pack_status", pk=made.pk)


@admin_required
def audit_pack_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = pack.packs_for(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    template = "quality/pack_status.html#progress" if request.htmx else "quality/pack_status.html"
    return TemplateResponse(request, template, {"pack": found, "done": PackStatus.DONE})


@admin_required
def audit_pack_download(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    found = pack.packs_for(request.user).filter(pk=pk, status=PackStatus.DONE).defer(None).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.data), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[Any] = [
    path("pack-audit/", audit_pack, name="audit_pack"),
    path("pack-audit/preparer/", audit_pack_build, name="audit_pack_build"),
    path("pack-audit/<int:pk>/", audit_pack_status, name="audit_pack_status"),
    path("pack-audit/<int:pk>/telecharger/", audit_pack_download, name="audit_pack_download"),
]
