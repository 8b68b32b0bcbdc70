"""Entretiens: booking an interview of the guide, moving or cancelling it, and its .ics
(see urlpatterns at the bottom). The booking form lives on the bilan page (#activity)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from bilan.bilans import views as bilan_views
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.bilans.transitions import may_transition
from bilan.bilans.views import refusal
from bilan.entretiens import calendar
from bilan.entretiens.guides import current_guide_for
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus, Modality
from bilan.lib.dates import LocalTimeForm
from bilan.lib.forms import HoursField
from bilan.organisations.access import staff_required

# ---- forms ------------------------------------------------------------------------------


class SlotForm(LocalTimeForm, forms.Form):
    """When and where: shared by booking and moving an entretien."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=_("Heure"), widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"})
    )
    duration = HoursField(label=_("Durée (heures)"), min_value=0.25, max_value=12)
    modality = forms.ChoiceField(label=_("Modalité"), choices=Modality.choices)
    place = forms.CharField(
        label=_("Lieu (présentiel)"), max_length=300, required=False, widget=forms.TextInput()
    )
    video_link = forms.CharField(
        label=_("Lien de la visio"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )

    def starts_at(self) -> dt.datetime:
        return self.cleaned_data["starts_at"]

    def slot(self) -> dict:
        return {
            "starts_at": self.starts_at(),
            "planned_minutes": self.cleaned_data["duration"],
            "modality": self.cleaned_data["modality"],
            "place": self.cleaned_data["place"],
            "video_link": self.cleaned_data["video_link"],
        }


class ScheduleForm(SlotForm):
    """Choose an interview of the current phase in the organisation's current guide, or a
    free entretien."""

    interview = forms.ChoiceField(label=_("Entretien"), required=False)
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        required=False,
        help_text=_("Par défaut, le titre de l'entretien du guide."),
    )
    field_order = ["interview", "title"]

    def __init__(self, *args, bilan: Bilan, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guide = current_guide_for(bilan.organisation)
        interviews = [i for i in self.guide.interviews() if i.get("phase") == bilan.current_phase]
        self.fields["interview"].choices = [
            *((i["key"], i["title"]) for i in interviews),
            ("", _t("Entretien libre")),
        ]
        if not self.is_bound:
            # Suggest the first interview of the phase not booked yet, and the usual place.
            booked = set(
                bilan.entretiens.filter(
                    status__in=[EntretienStatus.PLANNED, EntretienStatus.HELD]
                ).values_list("interview_key", flat=True)
            )
            self.initial.setdefault(
                "interview", next((i["key"] for i in interviews if i["key"] not in booked), "")
            )
            self.initial.setdefault("place", bilan.organisation.address)
            self.initial.setdefault("duration", 1.5)


class RescheduleForm(SlotForm):
    @classmethod
    def for_entretien(cls, entretien: Entretien) -> RescheduleForm:
        local = timezone.localtime(entretien.starts_at)
        return cls(
            initial={
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0, fold=0),
                "fold": local.fold,
                "duration": entretien.planned_minutes / 60,
                "modality": entretien.modality,
                "place": entretien.place,
                "video_link": entretien.video_link,
            }
        )


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=CancelReason.choices)


def schedule_form(bilan: Bilan, user, bound: dict) -> ScheduleForm | None:
    """The booking form of the bilan page, for the assigned consultant while a phase runs."""
    if "schedule_form" in bound:
        return bound["schedule_form"]
    if bilan.current_phase is None or not may_transition(user, bilan, "schedule_entretien"):
        return None
    return ScheduleForm(bilan=bilan)


class HeldForm(forms.Form):
    duration = HoursField(label=_("Durée réalisée (heures)"), min_value=0.25)


# ---- views ------------------------------------------------------------------------------


def entretien_for(user, pk: int, *, write: bool = False) -> Entretien:
    """The entretien `pk` if `user` may see its bilan (staff), else 404."""
    entretien = get_object_or_404(Entretien.objects.select_related("bilan"), pk=pk)
    entretien.bilan = get_bilan_for_user(user, entretien.bilan_id, write=write)
    return entretien


def require_act(user, bilan: Bilan, act: str) -> None:
    if not may_transition(user, bilan, act):
        raise PermissionDenied


@staff_required
@require_POST
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    require_act(request.user, bilan, "schedule_entretien")
    form = ScheduleForm(request.POST, bilan=bilan)
    if not form.is_valid():
        messages.error(request, _t("Vérifiez la date, l'heure et la durée."))
        return entretiens_response(request, bilan, schedule_form=form)
    key = form.cleaned_data["interview"]
    try:
        Entretien.schedule(
            bilan=bilan,
            by=request.user,
            guide=form.guide if key else None,
            interview_key=key,
            title=form.cleaned_data["title"],
            invite=True,
            **form.slot(),
        )
    except ValidationError as e:
        refusal(request, e)
        return entretiens_response(request, bilan, schedule_form=form)
    messages.success(request, _t("Entretien planifié ; l'invitation est envoyée aux deux parties."))
    return entretiens_response(request, bilan)


def reschedule_page(
    request: HttpRequest,
    entretien: Entretien,
    *,
    reschedule_form: RescheduleForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "entretiens/schedule_change.html",
        {
            "entretien": entretien,
            "bilan": entretien.bilan,
            "reschedule_form": reschedule_form or RescheduleForm.for_entretien(entretien),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


@staff_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the page to move or cancel a planned entretien. POST: move it."""
    entretien = entretien_for(request.user, pk, write=True)
    require_act(request.user, entretien.bilan, "reschedule_entretien")
    if request.method != "POST":
        return reschedule_page(request, entretien)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Vérifiez la date, l'heure et la durée."))
        return reschedule_page(request, entretien, reschedule_form=form, status=422)
    try:
        entretien.reschedule(by=request.user, **form.slot())
    except ValidationError as e:
        refusal(request, e)
        return reschedule_page(request, entretien, reschedule_form=form, status=422)
    messages.success(request, _t("Entretien déplacé ; les deux parties sont prévenues."))
    return redirect("bilans:detail", pk=entretien.bilan_id)


@staff_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    entretien = entretien_for(request.user, pk, write=True)
    require_act(request.user, entretien.bilan, "cancel_entretien")
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _t("Choisissez le motif de l'annulation."))
        return reschedule_page(request, entretien, cancel_form=form, status=422)
    try:
        entretien.cancel(by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as e:
        refusal(request, e)
        return reschedule_page(request, entretien, cancel_form=form, status=422)
    messages.success(request, _t("Entretien annulé ; les deux parties sont prévenues."))
    return redirect("bilans:detail", pk=entretien.bilan_id)


@staff_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The .ics of the entretien: administrative data only, so the admin may have it too."""
    return calendar.download(entretien_for(request.user, pk))


def entretiens_response(request: HttpRequest, bilan: Bilan, **bound: Any) -> HttpResponse:
    """The activity block (hours and entretiens) for HTMX, or the whole page."""
    bilan.refresh_from_db()
    context = bilan_views.detail_context(request, bilan, **bound)
    template = "bilans/detail.html#activity" if request.htmx else "bilans/detail.html"
    if not request.htmx and not bound:
        return redirect("bilans:detail", pk=bilan.pk)
    return TemplateResponse(request, template, context, status=422 if bound else 200)


@staff_required
@require_POST
def entretien_update(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    entretien = get_object_or_404(Entretien, pk=pk)
    bilan = get_bilan_for_user(request.user, entretien.bilan_id, write=True)
    if not bilan.is_assigned_consultant(request.user):
        raise PermissionDenied
    try:
        if action == "tenu":
            form = HeldForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_t("Indiquez la durée réalisée."))
            entretien.mark_held(by=request.user, held_minutes=form.cleaned_data["duration"])
        elif action in ("manque", "annule"):
            entretien.cancel(by=request.user, missed=action == "manque")
        else:
            raise PermissionDenied
    except ValidationError as e:
        refusal(request, e)
    return entretiens_response(request, bilan)


urlpatterns = [
    path("bilan/<int:pk>/planifier/", schedule, name="schedule"),
    path("<int:pk>/deplacer/", reschedule, name="reschedule"),
    path("<int:pk>/annuler/", cancel, name="cancel"),
    path("<int:pk>/invitation.ics", invitation, name="invitation"),
    # The held / missed / cancelled buttons of the bilan page's entretien list.
    path("<int:pk>/etat/<str:action>/", entretien_update, name="update"),
]
