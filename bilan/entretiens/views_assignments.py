"""Entretiens: the consultant gives travail inter-session (see urlpatterns at the bottom).

The list of a bilan's assignments lives on the bilan page (templates/bilans/detail.html,
section « Travail inter-session »); giving work has its own page, from a closing item of
an entretien's guide interview or freely.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.bilans.views import consultant_only
from bilan.entretiens.assignments import assign_work, closing_item_text, closing_items
from bilan.entretiens.models import AssignmentKind
from bilan.lib.forms import HoursField
from bilan.organisations.access import staff_required


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=300)
    instructions = forms.CharField(
        label=_("Consignes"), required=False, max_length=10000, widget=forms.Textarea
    )
    kind = forms.ChoiceField(label=_("Type"), choices=AssignmentKind.choices)
    estimated = HoursField(
        label=_("Durée estimée (heures)"),
        help_text=_("Comptée comme travail personnel dans la durée du bilan."),
    )
    due_on = forms.DateField(
        label=_("À faire pour le"), widget=forms.DateInput(attrs={"type": "date"})
    )
    entretien = forms.IntegerField(required=False, widget=forms.HiddenInput)
    closing_item = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)


def source_items(bilan: Bilan) -> list[dict]:
    """Closing items of the bilan's planned or held entretiens, to start from."""
    entretiens = (
        bilan.entretiens.filter(guide__isnull=False, status__in=["planned", "held"])
        .select_related("guide")
        .order_by("-starts_at")
    )
    return [{"entretien": e, "items": items} for e in entretiens if (items := closing_items(e))]


def initial_from_closing_item(bilan: Bilan, entretien_id: str, item: str) -> dict:
    """Prefill the form from `?entretien=<id>&item=<closing item id>`."""
    if not entretien_id.isdecimal():
        return {}
    entretien = bilan.entretiens.select_related("guide").filter(pk=entretien_id).first()
    text = closing_item_text(entretien, item) if entretien else None
    if text is None:
        return {}
    return {"entretien": entretien.pk, "closing_item": item, "title": text}


@staff_required
def assignment_new(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    consultant_only(request.user, bilan)
    if request.method != "POST":
        initial = initial_from_closing_item(
            bilan, request.GET.get("entretien", ""), request.GET.get("item", "")
        )
        return render_new(request, bilan, AssignmentForm(initial=initial))
    form = AssignmentForm(request.POST)
    if not form.is_valid():
        return render_new(request, bilan, form, status=422)
    data = form.cleaned_data
    try:
        assign_work(
            bilan=bilan,
            by=request.user,
            title=data["title"],
            instructions=data["instructions"],
            kind=data["kind"],
            estimated_minutes=data["estimated"],
            due_on=data["due_on"],
            entretien=bilan.entretiens.filter(pk=data["entretien"]).first()
            if data["entretien"]
            else None,
            closing_item=data["closing_item"],
        )
    except ValidationError as e:
        form.add_error(None, e)
        return render_new(request, bilan, form, status=422)
    messages.success(request, _t("Travail inter-session confié."))
    return redirect(reverse("bilans:detail", args=[bilan.pk]) + "#travail")


def render_new(
    request: HttpRequest, bilan: Bilan, form: AssignmentForm, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "entretiens/assignments_new.html",
        {"bilan": bilan, "form": form, "sources": source_items(bilan), "budget": bilan.budget()},
        status=status,
    )


urlpatterns = [
    path("bilan/<int:pk>/travail/nouveau/", assignment_new, name="assignment_new"),
]
