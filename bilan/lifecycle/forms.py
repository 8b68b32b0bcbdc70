"""The beneficiary's written agreement for follow-up, as a form (the rule is in retention.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.lifecycle.models import AgreementScope, RequestKind


class AgreementForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Ce que je demande de conserver"),
        choices=AgreementScope.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Pourquoi : en quoi cela sert le suivi de ma situation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Le droit que j'exerce"), choices=RequestKind.choices)
    details = forms.CharField(
        label=_("Précisions (ce qui doit être rectifié, à quoi je m'oppose…)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
