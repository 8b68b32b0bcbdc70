"""Forms of the reflection exercises (beneficiary's space). Rules live in parcours.py; the
forms only parse, cap lengths, and put the period's refusals next to the right field."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.exercises.models import LABEL_MAX, PLACE_MAX, TEXT_MAX, TITLE_MAX, ExperienceKind
from bilan.exercises.parcours import (
    MAX_ACHIEVEMENTS,
    MAX_COMPETENCES,
    MOTIVATION_QUESTIONS,
    MOTIVATION_TITLES,
    AchievementData,
    period_errors,
    split_competences,
)

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")  # 2019-09 (input type=month)
_FRENCH = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*$")  # 09/2019, typed by hand


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value) -> str | None:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month, typed « 2019-09 » (the browser's month picker) or « 09/2019 »; gives the
    first day of that month."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Indiquez un mois sous la forme MM/AAAA (par exemple 09/2019)."),
    }

    def to_python(self, value) -> dt.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = str(value)
        if match := _ISO.match(text):
            year, month = match.group(1), match.group(2)
        elif match := _FRENCH.match(text):
            month, year = match.group(1), match.group(2)
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return dt.date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def widget_attrs(self, widget: forms.Widget) -> dict:
        return {**super().widget_attrs(widget), "placeholder": "MM/AAAA", "inputmode": "numeric"}


def text_field(label: str, help_text: str = "", rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ExperienceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type d'expérience"), choices=ExperienceKind.choices)
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=TITLE_MAX,
        help_text=_("Par exemple : Assistante comptable, BTS commerce, Trésorier d'association."),
    )
    place = forms.CharField(label=_("Organisation ou lieu"), max_length=PLACE_MAX, required=False)
    start = MonthField(label=_("Début (mois)"))
    end = MonthField(label=_("Fin (mois)"), required=False, help_text=_("Vide : en cours."))
    missions = text_field(_("Missions et activités"))
    liked = text_field(_("Ce que j'ai aimé"), rows=3)
    liked_less = text_field(_("Ce que j'ai moins aimé"), rows=3)
    competences = forms.CharField(
        label=_("Compétences que cette expérience montre"),
        help_text=_("Une par ligne. Par exemple : Gérer un budget."),
        required=False,
        max_length=MAX_COMPETENCES * (LABEL_MAX + 1),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if "start" in data and "end" in data:
            for name, message in period_errors(data["start"], data["end"]).items():
                self.add_error(name, message)
        labels = [c for c in split_competences(data.get("competences", "")) if c.strip()]
        if len(labels) > MAX_COMPETENCES:
            self.add_error(
                "competences",
                _("%(max)s compétences au plus par expérience.") % {"max": MAX_COMPETENCES},
            )
        elif any(len(c.strip()) > LABEL_MAX for c in labels):
            self.add_error(
                "competences",
                _("Une compétence tient en %(max)s caractères au plus.") % {"max": LABEL_MAX},
            )
        return data

    @classmethod
    def initial_for(cls, experience) -> dict:
        return {
            "kind": experience.kind,
            "title": experience.title,
            "place": experience.place,
            "start": experience.start_on,
            "end": experience.end_on,
            "missions": experience.missions,
            "liked": experience.liked,
            "liked_less": experience.liked_less,
            "competences": "\n".join(c.label for c in experience.competences.all()),
        }


class AchievementForm(forms.Form):
    situation = text_field(_("Situation"), _("Le contexte, le problème à résoudre."), rows=2)
    action = text_field(_("Action"), _("Ce que j'ai fait, moi."), rows=2)
    result = text_field(_("Résultat"), _("Ce que cela a donné, si possible en chiffres."), rows=2)

    def data_or_none(self) -> AchievementData | None:
        data = getattr(self, "cleaned_data", None) or {}
        item = AchievementData(
            situation=data.get("situation", ""),
            action=data.get("action", ""),
            result=data.get("result", ""),
        )
        return None if item.empty else item


AchievementFormSet = forms.formset_factory(
    AchievementForm, extra=1, max_num=MAX_ACHIEVEMENTS, validate_max=True
)


def achievements_formset(data=None, experience=None) -> forms.BaseFormSet:
    initial = (
        [
            {"situation": a.situation, "action": a.action, "result": a.result}
            for a in experience.achievements.all()
        ]
        if experience is not None
        else []
    )
    return AchievementFormSet(data, initial=initial, prefix="achievements")


class MotivationsForm(forms.Form):
    motivates = text_field(MOTIVATION_TITLES["motivates"], MOTIVATION_QUESTIONS["motivates"], 5)
    exhausts = text_field(MOTIVATION_TITLES["exhausts"], MOTIVATION_QUESTIONS["exhausts"], 5)
    criteria = text_field(MOTIVATION_TITLES["criteria"], MOTIVATION_QUESTIONS["criteria"], 5)
    constraints = text_field(
        MOTIVATION_TITLES["constraints"],
        _(
            "%(question)s Inutile d'y détailler votre santé : si elle pèse dans vos choix, "
            "parlez-en à votre consultant·e."
        ),
        5,
    )
    compromises = text_field(
        MOTIVATION_TITLES["compromises"], MOTIVATION_QUESTIONS["compromises"], 5
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["constraints"]
        field.help_text = str(field.help_text) % {"question": MOTIVATION_QUESTIONS["constraints"]}
