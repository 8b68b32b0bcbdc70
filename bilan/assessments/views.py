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
    debrief_result,
    get_administration_for_user,
    read_result,
    result_of,
    tests_of,
)
from bilan.assessments.reports import report
from bilan.organisations.access import can_read_content, get_bilan_for_user, require_membership
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
        {"r": report(result), "form": form, "bilan": administration.bilan},
        status=status,
    )


urlpatterns = [
    path("bilan/<int:pk>/", bilan_tests, name="bilan_tests"),
    path("resultats/<int:pk>/", result_detail, name="result"),
]
