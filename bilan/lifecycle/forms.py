"""The beneficiary's written agreement for follow-up, as a form (the rule is in retention.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.lifecycle.models import AgreementScope


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
