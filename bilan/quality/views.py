"""The quality pages of the staff: the referential, the surveys' results, their questions and
the yearly funders/employers survey. Reading is for the staff (admin, consultants); acting is
the admin's (the owners refuse anyone else). Rules live in referential.py and surveys.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import RuleViolation
from bilan.organisations.access import require_membership, staff_required
from bilan.organisations.models import Organisation
from bilan.quality import (
    indicators,
    referential,
    surveys,
    views_complaints,
    views_improvements,
    views_pack,
    views_watch,
)
from bilan.quality.models import QuestionType, ReferentialVersion, SurveyKind

SURVEYS = "quality/surveys.html"


def organisation_of(request: AuthenticatedRequest) -> Organisation:
    return require_membership(request.user).organisation


def refused(request: AuthenticatedRequest, exc: RuleViolation) -> None:
    messages.error(request, " ".join(exc.messages))


@staff_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    version = referential.version_in_force(today)
    return TemplateResponse(
        request,
        "quality/home.html",
        {
            "version": version,
            "indicators": referential.applicable_indicators(version),
            "versions": ReferentialVersion.objects.all(),
        },
    )


@staff_required
def version_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ReferentialVersion, pk=pk)
    return TemplateResponse(
        request,
        "quality/version.html",
        {
            "version": version,
            "criteria": version.criteria.prefetch_related("indicators"),
        },
    )


@staff_required
@require_POST
def version_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ReferentialVersion, pk=pk)
    try:
        referential.confirm_version(version=version, by=request.user)
    except RuleViolation as exc:
        refused(request, exc)
    else:
        messages.success(request, _t("Version du référentiel confirmée."))
    return redirect("quality:version", pk=version.pk)


def kind_from(value: str | None) -> str:
    if value is None or value == "":
        return SurveyKind.HOT
    if value not in SurveyKind.values:
        raise Http404
    return value


def surveys_page(
    request: AuthenticatedRequest, kind: str, status: int = 200, **extra: Any
) -> TemplateResponse:
    organisation = organisation_of(request)
    return TemplateResponse(
        request,
        SURVEYS,
        {
            "kind": kind,
            "kinds": SurveyKind.choices,
            "results": surveys.results(organisation, kind),
            "question_set": surveys.current_question_set(organisation, kind),
            "question_types": QuestionType.choices,
            "min_answers": surveys.MIN_ANSWERS,
            **extra,
        },
        status=status,
    )


@staff_required
def survey_results(request: AuthenticatedRequest) -> HttpResponse:
    return surveys_page(request, kind_from(request.GET.get("kind")))


@staff_required
@require_POST
def survey_question_add(request: AuthenticatedRequest) -> HttpResponse:
    kind = kind_from(request.POST.get("kind"))
    try:
        surveys.add_question(
            organisation=organisation_of(request),
            kind=kind,
            label=request.POST.get("label", ""),
            type=request.POST.get("type", ""),
            by=request.user,
        )
    except RuleViolation as exc:
        status = 403 if exc.code == "forbidden" else 422
        return surveys_page(
            request,
            kind,
            status=status,
            question_error=" ".join(exc.messages),
            question_label=request.POST.get("label", ""),
        )
    messages.success(request, _t("Question ajoutée : les prochaines invitations la poseront."))
    return redirect(f"{reverse('quality:surveys')}?kind={kind}")


@staff_required
@require_POST
def survey_stakeholders(request: AuthenticatedRequest) -> HttpResponse:
    text = request.POST.get("emails", "")
    try:
        created = surveys.invite_stakeholders(
            organisation=organisation_of(request), emails_text=text, by=request.user
        )
    except RuleViolation as exc:
        status = 403 if exc.code == "forbidden" else 422
        return surveys_page(
            request,
            SurveyKind.STAKEHOLDER,
            status=status,
            stakeholder_error=" ".join(exc.messages),
            stakeholder_emails=text,
        )
    messages.success(
        request,
        _t("%(n)s invitation(s) créée(s) : elles partent avec le prochain envoi quotidien.")
        % {"n": len(created)},
    )
    return redirect(f"{reverse('quality:surveys')}?kind={SurveyKind.STAKEHOLDER}")


app_name = "quality"
urlpatterns: list[Any] = [
    path("", home, name="home"),
    path("referentiel/<int:pk>/", version_detail, name="version"),
    path("referentiel/<int:pk>/confirmer/", version_confirm, name="version_confirm"),
    path("enquetes/", survey_results, name="surveys"),
    path("enquetes/questions/", survey_question_add, name="survey_question_add"),
    path("enquetes/financeurs/", survey_stakeholders, name="survey_stakeholders"),
    *views_complaints.urlpatterns,
    *views_improvements.urlpatterns,
    *views_pack.urlpatterns,
    *views_watch.urlpatterns,
]


def day_param(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise RuleViolation(_t("Date invalide (jj/mm/aaaa)."), code="invalid") from None


@staff_required
def results_indicators(request: AuthenticatedRequest) -> HttpResponse:
    organisation = organisation_of(request)
    try:
        chosen = indicators.period(
            day_param(request.GET.get("start")), day_param(request.GET.get("end"))
        )
    except RuleViolation as exc:
        default = indicators.period()
        return TemplateResponse(
            request,
            "quality/indicators.html",
            {"period": default, "figures": [], "error": " ".join(exc.messages)},
            status=422,
        )
    return TemplateResponse(
        request,
        "quality/indicators.html",
        {
            "period": chosen,
            "figures": indicators.compute(organisation, chosen),
            "min_n": indicators.MIN_N,
        },
    )


urlpatterns.append(path("indicateurs/", results_indicators, name="indicators"))
