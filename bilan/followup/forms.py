"""Forms of the plan d'action, closing and the suivi. Rules live in actionplan.py, closing.py
and suivi.py; the forms only parse and cap lengths."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Completion, StopReason
from bilan.entretiens.models import Modality
from bilan.followup.models import TEXT_MAX, WHAT_MAX, ActionStatus, Outcome
from bilan.followup.suivi import REPORT_FIELDS, SELF_DIAGNOSIS_FIELDS, SuiviSlot
from bilan.lib.dates import LocalTimeForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def area(label, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ActionForm(forms.Form):
    what = forms.CharField(label=_("Action"), max_length=WHAT_MAX)
    first_step = area(_("Première étape"))
    due_on = forms.DateField(
        label=_("Échéance"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    training = area(_("Ressources : formation"))
    funding = area(_("Ressources : financement"))
    network = area(_("Ressources : réseau"))
    people = area(_("Personnes qui peuvent aider"))
    obstacles = area(_("Obstacles prévus"))
    overcome = area(_("Comment les surmonter"))
    is_plan_b = forms.BooleanField(label=_("Action du plan B"), required=False)

    @classmethod
    def initial_for(cls, action) -> dict:
        return {name: getattr(action, name) for name in cls.base_fields}


class TrackForm(forms.Form):
    status = forms.ChoiceField(label=_("État"), choices=ActionStatus.choices)
    note = area(_("Mes notes"))


class PlanBForm(forms.Form):
    plan_b = area(_("Plan B, en cas de difficulté majeure"), rows=4)


class SlotForm(LocalTimeForm, forms.Form):
    """The entretien de suivi's booking (prefilled about six months on)."""

    date_field = "day"

    day = forms.DateField(label=_("Date de l'entretien de suivi"), widget=DateInput())
    time = forms.TimeField(label=_("Heure"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=240)
    modality = forms.ChoiceField(label=_("Modalité"), choices=Modality.choices)
    place = forms.CharField(label=_("Lieu (en présentiel)"), max_length=300, required=False)
    video_link = forms.URLField(
        label=_("Lien de visio"), max_length=500, required=False, assume_scheme="https"
    )

    @classmethod
    def initial_for(cls, slot: SuiviSlot) -> dict:
        local = timezone.localtime(slot.starts_at)
        return {
            "day": local.date(),
            "time": local.time().replace(second=0, microsecond=0, fold=0),
            "fold": local.fold,
            "minutes": slot.planned_minutes,
            "modality": slot.modality,
            "place": slot.place,
            "video_link": slot.video_link,
        }

    def slot(self) -> SuiviSlot:
        data = self.cleaned_data
        return SuiviSlot(
            starts_at=data["starts_at"],
            planned_minutes=data["minutes"],
            modality=data["modality"],
            place=data["place"],
            video_link=data["video_link"],
        )


class CloseForm(forms.Form):
    completion = forms.ChoiceField(label=_("Réalisation"), choices=Completion.choices)
    reason = forms.ChoiceField(
        label=_("Motif (si partielle)"), choices=[("", "—"), *StopReason.choices], required=False
    )


class ReportForm(forms.Form):
    advances = area(REPORT_FIELDS["advances"], rows=4)
    difficulties = area(REPORT_FIELDS["difficulties"], rows=4)
    adjustments = area(REPORT_FIELDS["adjustments"], rows=3)
    new_actions = area(REPORT_FIELDS["new_actions"], rows=3)
    calendar = area(REPORT_FIELDS["calendar"], rows=3)
    recommendations = area(REPORT_FIELDS["recommendations"], rows=4)

    @classmethod
    def initial_for(cls, report) -> dict:
        return {name: getattr(report, name) for name in cls.base_fields} if report else {}


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Situation au suivi"), choices=Outcome.choices)


class SelfDiagnosisForm(forms.Form):
    formations = area(SELF_DIAGNOSIS_FIELDS["formations"], rows=3)
    candidatures = area(SELF_DIAGNOSIS_FIELDS["candidatures"], rows=3)
    enquetes = area(SELF_DIAGNOSIS_FIELDS["enquetes"], rows=3)
    contacts = area(SELF_DIAGNOSIS_FIELDS["contacts"], rows=3)
    results = area(SELF_DIAGNOSIS_FIELDS["results"], rows=3)
    obstacles = area(SELF_DIAGNOSIS_FIELDS["obstacles"], rows=3)
    questions = area(SELF_DIAGNOSIS_FIELDS["questions"], rows=3)

    @classmethod
    def initial_for(cls, diagnosis) -> dict:
        return {name: getattr(diagnosis, name) for name in cls.base_fields} if diagnosis else {}
