"""The funding page's forms: the price, the reason, and one row per share (blank rows ignored)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import FundingRoute
from bilan.funding.models import (
    PRIOR_BILAN_QUESTION,
    Exemption,
    KairosStatus,
    PayerKind,
    PriorBilanAnswer,
    QualiopiCategory,
)
from bilan.funding.rules import FileInput, ShareInput


class FundingForm(forms.Form):
    price = forms.DecimalField(
        label=_("Prix du bilan (€)"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    reason = forms.CharField(
        label=_("Motif du changement"),
        max_length=500,
        required=False,
        help_text=_("Obligatoire une fois le bilan commencé : il est enregistré au journal."),
    )
    correction = forms.BooleanField(
        label=_("Correction d'un bilan clos (administration, motif obligatoire)"), required=False
    )
    prior_bilan_answer = forms.ChoiceField(
        label=PRIOR_BILAN_QUESTION,
        choices=PriorBilanAnswer.choices,
        required=False,
        help_text=_("« Oui » ferme le financement CPF (décret n° 2026-126), pas les autres."),
    )
    exemption = forms.ChoiceField(
        label=_("Exonération de la participation CPF (déclarée)"),
        choices=[(e.value, e.label) for e in (Exemption.NONE, Exemption.C2P, Exemption.AT_MP)],
        required=False,
    )
    cpf_cgu_version = forms.CharField(
        label=_("Version des CGU Mon Compte Formation du dossier"), max_length=30, required=False
    )

    def file(self) -> FileInput:
        data = self.cleaned_data
        return FileInput(
            prior_bilan_answer=data.get("prior_bilan_answer") or "",
            exemption=data.get("exemption") or "",
            cpf_cgu_version=data.get("cpf_cgu_version") or "",
        )


class ShareForm(forms.Form):
    route = forms.ChoiceField(
        label=_("Financement"), choices=[("", "—"), *FundingRoute.choices], required=False
    )
    payer_kind = forms.ChoiceField(
        label=_("Type de payeur"),
        choices=[("", _("selon le financement")), *PayerKind.choices],
        required=False,
    )
    payer_name = forms.CharField(label=_("Payeur"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Montant (€)"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    reference = forms.CharField(label=_("Référence"), max_length=100, required=False)
    opco_agreement_number = forms.CharField(
        label=_("N° de prise en charge OPCO"), max_length=100, required=False
    )
    opco_agreed_amount = forms.DecimalField(
        label=_("Montant pris en charge OPCO (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    kairos_quote_number = forms.CharField(
        label=_("N° de devis KAIROS"), max_length=50, required=False
    )
    kairos_status = forms.ChoiceField(
        label=_("Statut du devis KAIROS"), choices=KairosStatus.choices, required=False
    )
    # The funder account's tie is kept as it is (set through the API set_funding).
    funder_id = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=2**31 - 1
    )


ShareFormSet = forms.formset_factory(ShareForm, extra=0, max_num=6)


def share_inputs(formset: Any) -> list[ShareInput]:
    """The rows that name a route, in order."""
    shares = []
    for data in formset.cleaned_data:
        if not data or not data.get("route"):
            continue
        shares.append(
            ShareInput(
                route=data["route"],
                amount=data.get("amount") or Decimal("0.00"),
                payer_kind=data.get("payer_kind") or "",
                payer_name=data.get("payer_name") or "",
                reference=data.get("reference") or "",
                opco_agreement_number=data.get("opco_agreement_number") or "",
                opco_agreed_amount=data.get("opco_agreed_amount"),
                kairos_quote_number=data.get("kairos_quote_number") or "",
                kairos_status=data.get("kairos_status") or "",
                funder_id=data.get("funder_id"),
            )
        )
    return shares


class QualiopiForm(forms.Form):
    number = forms.CharField(label=_("Numéro du certificat"), max_length=100)
    certifier = forms.CharField(label=_("Organisme certificateur"), max_length=200)
    categories = forms.MultipleChoiceField(
        label=_("Catégories d'actions couvertes"),
        choices=QualiopiCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(
        label=_("Valable du"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
