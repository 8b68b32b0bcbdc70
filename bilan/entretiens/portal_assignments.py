"""The beneficiary's space: their travail inter-session (see urlpatterns at the bottom)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bilan.bilans.models import Bilan
from bilan.entretiens.assignments import (
    complete_assignment,
    get_assignment_for_user,
    mark_late,
    read_assignment,
    reopen_assignment,
)
from bilan.entretiens.models import Assignment
from bilan.organisations.access import beneficiary_required


class DoneForm(forms.Form):
    comment = forms.CharField(
        label=_("Un commentaire pour mon ou ma consultant·e (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@beneficiary_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    assignments = mark_late(
        Assignment.objects.filter(bilan__in=Bilan.objects.for_user(request.user)).order_by(
            "due_on", "id"
        )
    )
    return TemplateResponse(
        request,
        "portal/assignments.html",
        {
            "todo": [a for a in assignments if a.done_at is None],
            "done": [a for a in assignments if a.done_at is not None],
        },
    )


@beneficiary_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = read_assignment(
        reader=request.user, assignment=get_assignment_for_user(request.user, pk)
    )
    return render_detail(request, assignment, DoneForm())


def render_detail(
    request: HttpRequest, assignment: Assignment, form: DoneForm, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "portal/assignment_detail.html",
        {"assignment": assignment, "bilan": assignment.bilan, "form": form},
        status=status,
    )


@beneficiary_required
@require_POST
def assignment_done(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = read_assignment(
        reader=request.user, assignment=get_assignment_for_user(request.user, pk)
    )
    form = DoneForm(request.POST)
    if not form.is_valid():
        return render_detail(request, assignment, form, status=422)
    try:
        complete_assignment(
            assignment=assignment, by=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render_detail(request, assignment, form, status=422)
    messages.success(request, _t("C'est noté : travail fait. Votre consultant·e le verra."))
    return redirect("portal:assignments")


@beneficiary_required
@require_POST
def assignment_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    try:
        reopen_assignment(assignment=assignment, by=request.user)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _t("Ce travail est de nouveau à faire."))
    return redirect("portal:assignment", pk=assignment.pk)


urlpatterns = [
    path("travail/", assignment_list, name="assignments"),
    path("travail/<int:pk>/", assignment_detail, name="assignment"),
    path("travail/<int:pk>/fait/", assignment_done, name="assignment_done"),
    path("travail/<int:pk>/rouvrir/", assignment_reopen, name="assignment_reopen"),
]
