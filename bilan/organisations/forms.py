from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from bilan.lib.forms import HoursField
from bilan.organisations.logos import normalise_logo, replace_logo
from bilan.organisations.models import HoursRule, Organisation, Role
from bilan.organisations.rules import hours_rule_errors, save_hours_rule

if TYPE_CHECKING:
    OrganisationModelForm = forms.ModelForm[Organisation]
    HoursRuleModelForm = forms.ModelForm[HoursRule]
else:  # ModelForm is generic in django-stubs only, not subscriptable at run time
    OrganisationModelForm = HoursRuleModelForm = forms.ModelForm


class OrganisationForm(OrganisationModelForm):
    # Accept the SIRET as printed (« 732 829 320 00074 »); the model checks the 14 digits.
    siret = forms.CharField(label=_("SIRET"), max_length=20)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "siret",
            "nda",
            "qualiopi_certificate",
            "qualiopi_expires_on",
            "address",
            "mfa_grace_days",
        ]
        widgets = {
            "qualiopi_expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "address": forms.Textarea(attrs={"rows": 3}),
        }

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG ou WebP, 2 Mo au plus ; réduit à 1 000 pixels de côté."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].initial = self.instance.logo or None

    def clean_siret(self) -> str:
        siret: str = self.cleaned_data["siret"]
        return siret.replace(" ", "")

    def clean_logo(self) -> Any:  # the upload, False (« effacer ») or the stored file
        upload = self.cleaned_data.get("logo")
        if upload is False or not upload or not hasattr(upload, "read"):
            return upload  # False: « effacer » ticked; else the logo already stored, unchanged
        return normalise_logo(upload)

    def save(self, commit: bool = True) -> Organisation:
        logo = self.cleaned_data.get("logo")
        organisation = super().save(commit=False)
        if commit:
            organisation.save()
        if logo is False:
            replace_logo(organisation, None)
        elif isinstance(logo, ContentFile):  # a new upload, already re-encoded
            replace_logo(organisation, logo)
        return organisation


class HoursRuleForm(HoursRuleModelForm):
    max_total = HoursField(label=_("Durée maximale du bilan (heures)"))
    min_accompaniment = HoursField(label=_("Accompagnement effectif minimal (heures)"))

    class Meta:
        model = HoursRule
        fields = ["effective_from", "count_personal_work", "source"]
        widgets = {"effective_from": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        errors = hours_rule_errors(
            max_total=data.get("max_total"), min_accompaniment=data.get("min_accompaniment")
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data

    def save(self, commit: bool = True) -> HoursRule:
        rule = super().save(commit=False)
        rule.max_total_minutes = self.cleaned_data["max_total"]
        rule.min_accompaniment_minutes = self.cleaned_data["min_accompaniment"]
        if commit:
            save_hours_rule(rule)  # the one owner: a second rule on the same date is refused
        return rule


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=[(Role.CONSULTANT, Role.CONSULTANT.label), (Role.ADMIN, Role.ADMIN.label)],
    )
