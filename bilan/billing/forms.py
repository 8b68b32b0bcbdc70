"""The billing pages' forms: they check shapes only; the rules are the owners'."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Bilan
from bilan.billing.contracts import InstalmentData
from bilan.billing.invoicing import LineData
from bilan.billing.models import BillingProfile, DocumentKind, PayerKind

if TYPE_CHECKING:
    ProfileModelForm = forms.ModelForm[BillingProfile]
    BilanChoiceField = forms.ModelChoiceField[Bilan]
else:
    ProfileModelForm = forms.ModelForm
    BilanChoiceField = forms.ModelChoiceField

FORM_LINES = 5
FORM_INSTALMENTS = 6
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BillingProfileForm(ProfileModelForm):
    class Meta:
        model = BillingProfile
        fields = [
            "legal_name",
            "siret",
            "nda",
            "address",
            "vat_status",
            "vat_number",
            "vat_rate",
            "vat_exemption_article",
            "payment_terms_days",
            "late_penalty_rate",
            "terms_of_sale",
            "mediator",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "terms_of_sale": forms.Textarea(attrs={"rows": 6}),
            "mediator": forms.Textarea(attrs={"rows": 3}),
        }


class BillingRuleForm(forms.Form):
    valid_from = forms.DateField(label=_("En vigueur à partir du"), widget=DATE)
    withdrawal_days = forms.IntegerField(
        label=_("Délai de rétractation (jours)"), min_value=10, max_value=60, initial=14
    )
    source = forms.CharField(label=_("Source ou motif"), max_length=300)


class BilanChoice(BilanChoiceField):
    def label_from_instance(self, obj: Bilan) -> str:
        return f"{obj.reference} — {obj.beneficiary.get_full_name()}"


class InvoiceForm(forms.Form):
    bilan = BilanChoice(label=_("Bilan"), queryset=Bilan.objects.none())
    kind = forms.ChoiceField(
        label=_("Pièce"),
        choices=[(DocumentKind.INVOICE, _("facture")), (DocumentKind.QUOTE, _("devis"))],
    )
    payer_kind = forms.ChoiceField(label=_("Type de payeur"), choices=PayerKind.choices)
    payer_name = forms.CharField(label=_("Nom du payeur"), max_length=200)
    payer_address = forms.CharField(
        label=_("Adresse du payeur"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    payer_reference = forms.CharField(
        label=_("Référence du payeur"), max_length=100, required=False
    )

    def __init__(self, *args: Any, bilans: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bilan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = bilans if bilans is not None else Bilan.objects.none()
        for i in range(FORM_LINES):
            self.fields[f"label_{i}"] = forms.CharField(
                label=_("Désignation"), max_length=300, required=False
            )
            self.fields[f"quantity_{i}"] = forms.DecimalField(
                label=_("Quantité"),
                max_digits=8,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
            )
            self.fields[f"unit_price_{i}"] = forms.DecimalField(
                label=_("Prix unitaire HT (€)"),
                max_digits=12,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
            )

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"label_{i}"], self[f"quantity_{i}"], self[f"unit_price_{i}"])
            for i in range(FORM_LINES)
        ]

    def lines(self) -> list[LineData]:
        data = self.cleaned_data
        out = []
        for i in range(FORM_LINES):
            label, quantity, price = (
                data.get(f"label_{i}"),
                data.get(f"quantity_{i}"),
                data.get(f"unit_price_{i}"),
            )
            if label or price:
                out.append(
                    LineData(
                        label=label or "",
                        quantity=quantity or Decimal("1"),
                        unit_price=price or Decimal("0"),
                    )
                )
        return out


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Motif de l'avoir"), max_length=300)


class ContractForm(forms.Form):
    price = forms.DecimalField(
        label=_("Prix convenu TTC (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    signed_on = forms.DateField(label=_("Signé le"), widget=DATE)


class ScheduleForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(FORM_INSTALMENTS):
            self.fields[f"due_on_{i}"] = forms.DateField(
                label=_("Échéance"), required=False, widget=DATE
            )
            self.fields[f"amount_{i}"] = forms.DecimalField(
                label=_("Montant (€)"),
                max_digits=12,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
            )
            self.fields[f"milestone_{i}"] = forms.CharField(
                label=_("Étape du bilan"), max_length=200, required=False
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"due_on_{i}"], self[f"amount_{i}"], self[f"milestone_{i}"])
            for i in range(FORM_INSTALMENTS)
        ]

    def instalments(self) -> list[InstalmentData]:
        data = self.cleaned_data
        out = []
        for i in range(FORM_INSTALMENTS):
            due_on, amount = data.get(f"due_on_{i}"), data.get(f"amount_{i}")
            if due_on or amount:
                if not (due_on and amount):
                    raise forms.ValidationError(_("Chaque versement a une échéance et un montant."))
                out.append(
                    InstalmentData(
                        due_on=due_on, amount=amount, milestone=data.get(f"milestone_{i}") or ""
                    )
                )
        return out
