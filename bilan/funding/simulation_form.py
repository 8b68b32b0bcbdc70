"""The simulator's form (staff and beneficiary pages: a GET form, nothing is saved)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import FundingRoute, Situation
from bilan.funding.models import PRIOR_BILAN_QUESTION, Exemption, PriorBilanAnswer
from bilan.funding.simulator import CostInput

DECLARED = [(e.value, e.label) for e in (Exemption.NONE, Exemption.C2P, Exemption.AT_MP)]


class SimulatorForm(forms.Form):
    price = forms.DecimalField(
        label=_("Prix du bilan (€)"), max_digits=8, decimal_places=2, min_value=0
    )
    accompaniment_hours = forms.DecimalField(
        label=_("Heures d'accompagnement"),
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=24,
    )
    personal_hours = forms.DecimalField(
        label=_("Heures de travail personnel"),
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=24,
        initial=Decimal("0"),
    )
    routes = forms.MultipleChoiceField(
        label=_("Financements envisagés"),
        choices=FundingRoute.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    situation = forms.ChoiceField(label=_("Situation"), choices=Situation.choices)
    prior_bilan_answer = forms.ChoiceField(
        label=PRIOR_BILAN_QUESTION, choices=PriorBilanAnswer.choices, required=False
    )
    exemption = forms.ChoiceField(
        label=_("Exonération de la participation"), choices=DECLARED, required=False
    )
    cpf_rights = forms.DecimalField(
        label=_("Droits CPF disponibles (€), si connus"),
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    employer_name = forms.CharField(label=_("Employeur"), max_length=200, required=False)
    opco_name = forms.CharField(label=_("OPCO de l'employeur"), max_length=200, required=False)

    def cost_input(self) -> CostInput:
        data = self.cleaned_data
        return CostInput(
            price=data["price"],
            accompaniment_minutes=int(data["accompaniment_hours"] * 60),
            personal_minutes=int((data.get("personal_hours") or 0) * 60),
            routes=tuple(data["routes"]),
            situation=data["situation"],
            exemption=data.get("exemption") or "",
            prior_bilan_answer=data.get("prior_bilan_answer") or "",
            cpf_rights=data.get("cpf_rights"),
            employer_name=data.get("employer_name") or "",
            opco_name=data.get("opco_name") or "",
        )
