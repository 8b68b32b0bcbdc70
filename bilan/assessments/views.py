"""Staff views of the tests: a bilan's tests and their status (anyone who sees the bilan), a
result with the debrief note (the assigned consultant only: content, audited)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.assessments.administrations import (
    any_report,
    debrief_result,
    get_administration_for_user,
    read_result,
    result_of,
    set_extra_competences,
    tests_of,
)
from bilan.bilans.access import can_read_content, get_bilan_for_user
from bilan.organisations.access import require_membership
from bilan.organisations.models import Role


class DebriefForm(forms.Form):
    debrief_note = forms.CharField(
        label=_("Note de restitution"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@login_required
def bilan_tests(request: HttpRequest, pk: int) -> HttpResponse:
    """Which tests were taken, declined or are in progress: an administrative view (no scores)."""
    require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    bilan = get_bilan_for_user(request.user, pk)
    return TemplateResponse(
        request,
        "assessments/bilan_tests.html",
        {
            "bilan": bilan,
            "tests": tests_of(bilan),
            "reads_content": can_read_content(request.user, bilan),
        },
    )


@login_required
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    administration = get_administration_for_user(request.user, pk)
    if membership.role != Role.CONSULTANT:
        raise PermissionDenied
    result = result_of(administration)
    form = DebriefForm(initial={"debrief_note": result.debrief_note})
    status = 200
    if request.method == "POST":
        form = DebriefForm(request.POST)
        if form.is_valid():
            try:
                debrief_result(
                    result=result, by=request.user, text=form.cleaned_data["debrief_note"]
                )
                messages.success(request, _t("Note de restitution enregistrée."))
                return redirect("assessments:result", administration.pk)
            except ValidationError as error:
                form.add_error(None, error)
        status = 422
    read_result(reader=request.user, result=result)
    return TemplateResponse(
        request,
        "assessments/result.html",
        {"r": any_report(result, request.user), "form": form, "bilan": administration.bilan},
        status=status,
    )


class ExtraCompetencesForm(forms.Form):
    labels = forms.CharField(
        label=_("Compétences à ajouter (une par ligne)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


@login_required
def extra_competences(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned consultant adds competences to the beneficiary's auto-évaluation in
    progress (stored in its answers, « extra_competences »)."""
    membership = require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    administration = get_administration_for_user(request.user, pk)
    if membership.role != Role.CONSULTANT or administration.instrument_code != "self_assessment":
        raise PermissionDenied
    if request.user.pk != administration.bilan.consultant_id:
        raise PermissionDenied
    current = administration.answers.get("extra_competences", [])
    form = ExtraCompetencesForm(initial={"labels": "\n".join(current)})
    status = 200
    if request.method == "POST":
        form = ExtraCompetencesForm(request.POST)
        if form.is_valid():
            try:
                set_extra_competences(
                    administration=administration,
                    by=request.user,
                    text=form.cleaned_data["labels"],
                )
                messages.success(request, _t("Liste des compétences enregistrée."))
                return redirect("assessments:extra_competences", administration.pk)
            except ValidationError as error:
                form.add_error(None, error)
        status = 422
    return TemplateResponse(
        request,
        "assessments/extra_competences.html",
        {"administration": administration, "bilan": administration.bilan, "form": form},
        status=status,
    )


urlpatterns = [
    path("bilan/<int:pk>/", bilan_tests, name="bilan_tests"),
    path("resultats/<int:pk>/", result_detail, name="result"),
    path("competences/<int:pk>/", extra_competences, name="extra_competences"),
]
