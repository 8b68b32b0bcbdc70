from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.accounts.models import User
from bilan.bilans.models import (
    Completion,
    FollowUpDecision,
    Format,
    FundingRoute,
    Situation,
    StopReason,
    administration_errors,
)
from bilan.lib.forms import HoursField
from bilan.organisations.models import Membership, Organisation


def administration_clean(form: forms.Form) -> dict[str, Any]:
    """Show what the administrative record lacks beside each field, by the rule
    `create_bilan` and `Bilan.update_administration` check again (bilans.models)."""
    data = form.cleaned_data
    if "situation" in data and "funding_route" in data:  # else the choice is already refused
        errors = administration_errors(
            situation=data["situation"],
            situation_detail=data.get("situation_detail", ""),
            funding_route=data["funding_route"],
            funding_reference=data.get("funding_reference", ""),
        )
        for field, message in errors.items():
            form.add_error(field, message)
    return data


class ConsultantChoiceForm(forms.Form):
    """A form whose `consultant` field offers the organisation's consultants only (subclasses
    give the field its label and whether it is required)."""

    consultant: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Consultant·e"), queryset=User.objects.none()
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consultant_field.queryset = User.objects.filter(
            pk__in=Membership.objects.consultants()
            .filter(organisation=organisation)
            .values("user_id")
        )

    @property
    def consultant_field(self) -> forms.ModelChoiceField[User]:
        """The bound form's own copy of the `consultant` field (its choices are per form)."""
        return cast("forms.ModelChoiceField[User]", self.fields["consultant"])


class BilanCreateForm(ConsultantChoiceForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Adresse e-mail"))
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    situation = forms.ChoiceField(label=_("Situation"), choices=Situation.choices)
    situation_detail = forms.CharField(
        label=_("Précision (si « autre »)"), max_length=200, required=False
    )
    request_text = forms.CharField(
        label=_("La demande, dans ses mots"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Ce que la personne dit attendre du bilan. Contenu confidentiel."),
    )
    funding_route = forms.ChoiceField(label=_("Financement"), choices=FundingRoute.choices)
    funding_reference = forms.CharField(
        label=_("Référence du financement"),
        max_length=100,
        required=False,
        help_text=_("Obligatoire pour le CPF : numéro de dossier Mon Compte Formation."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices)
    consultant: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Consultant·e"), queryset=None, empty_label=None
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        return administration_clean(self)


class FramingForm(forms.Form):
    needs_analysis = forms.CharField(
        label=_("Analyse de la demande et du besoin"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    format = forms.ChoiceField(label=_("Format retenu"), choices=Format.choices)
    rhythm = forms.CharField(label=_("Rythme"), max_length=200, required=False)
    agreed_arrangements = forms.CharField(
        label=_("Modalités définies conjointement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Les modifier demande une nouvelle validation par chacun."),
    )


class PlanHoursForm(forms.Form):
    accompaniment = HoursField(label=_("Accompagnement prévu (heures)"))
    personal = HoursField(label=_("Travail personnel prévu (heures)"))


class PersonalWorkForm(forms.Form):
    personal = HoursField(label=_("Travail personnel réalisé (heures)"))


class CloseForm(forms.Form):
    completion = forms.ChoiceField(label=_("Réalisation"), choices=Completion.choices)
    reason = forms.ChoiceField(
        label=_("Motif (si partielle)"), choices=[("", "—"), *StopReason.choices], required=False
    )


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif"), choices=StopReason.choices)


class FollowUpForm(forms.Form):
    decision = forms.ChoiceField(label=_("Entretien de suivi"), choices=FollowUpDecision.choices)


class ReassignForm(ConsultantChoiceForm):
    consultant: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label=_("Nouveau ou nouvelle consultant·e"), queryset=None
    )
    reason = forms.CharField(label=_("Motif"), max_length=200, required=False)


class PaperConsentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "Je confirme détenir le formulaire de consentement signé par le ou la bénéficiaire."
        ),
    )
    scan = forms.FileField(
        label=_("Le formulaire signé, numérisé (PDF, PNG ou JPEG)"),
        help_text=_("Il est conservé comme preuve du consentement (document administratif)."),
    )


class AdministrationForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    situation = forms.ChoiceField(label=_("Situation"), choices=Situation.choices)
    situation_detail = forms.CharField(
        label=_("Précision (si « autre »)"), max_length=200, required=False
    )
    funding_route = forms.ChoiceField(label=_("Financement"), choices=FundingRoute.choices)
    funding_reference = forms.CharField(
        label=_("Référence du financement"), max_length=100, required=False
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        return administration_clean(self)
