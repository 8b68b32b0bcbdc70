"""Reflection exercises: « Mon parcours » (experiences, portefeuille de compétences) and
« Motivations et contraintes ».

Everything here is bilan content written by the beneficiary: changes go through
bilan/exercises/parcours.py (only the beneficiary writes, while the bilan is in its phases),
and every read by someone else is audited there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import Content
from bilan.bilans.fields import EncryptedCharField, EncryptedTextField
from bilan.bilans.models import Bilan
from bilan.lib.dates import in_db_date_window

# Caps on what one person may type: generous for a page of reflection, absurd beyond.
TITLE_MAX = 200
PLACE_MAX = 200
TEXT_MAX = 5000
LABEL_MAX = 200
ROME_CODE_MAX = 20


class ExperienceKind(models.TextChoices):
    JOB = "job", _("emploi")
    TRAINING = "training", _("formation")
    VOLUNTEERING = "volunteering", _("bénévolat")
    PERSONAL_PROJECT = "personal_project", _("projet personnel")
    OTHER = "other", _("autre")


class Experience(Content):
    """One step of the beneficiary's parcours. Dates have month precision: the first day of
    the month is stored; no end means « en cours »."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="experiences")
    kind = models.CharField(_("type"), max_length=20, choices=ExperienceKind.choices)
    title = EncryptedCharField(_("intitulé"), max_length=TITLE_MAX)
    place = EncryptedCharField(_("organisation ou lieu"), max_length=PLACE_MAX, blank=True)
    start_on = models.DateField(_("début (mois)"))
    end_on = models.DateField(_("fin (mois)"), null=True, blank=True)
    missions = EncryptedTextField(_("missions"), blank=True)
    liked = EncryptedTextField(_("ce que j'ai aimé"), blank=True)
    liked_less = EncryptedTextField(_("ce que j'ai moins aimé"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_on", models.F("end_on").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("start_on"), name="experience_start_on_in_window"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("end_on"), name="experience_end_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ongoing(self) -> bool:
        return self.end_on is None


class Achievement(Content):
    """A réalisation told as situation – action – résultat."""

    bilan_path = "experience__bilan"

    experience = models.ForeignKey(
        Experience, on_delete=models.CASCADE, related_name="achievements"
    )
    situation = EncryptedTextField(_("situation"), blank=True)
    action = EncryptedTextField(_("action"), blank=True)
    result = EncryptedTextField(_("résultat"), blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.situation[:60]


class ExperienceCompetence(Content):
    """A competence an experience shows, in the beneficiary's words. `rome_code` links it to
    the ROME referential once imported (métiers issue); until then it stays empty."""

    bilan_path = "experience__bilan"

    experience = models.ForeignKey(Experience, on_delete=models.CASCADE, related_name="competences")
    label = EncryptedCharField(_("compétence"), max_length=LABEL_MAX)
    rome_code = models.CharField(_("code ROME"), max_length=ROME_CODE_MAX, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class MotivationsExercise(Content):
    """« Motivations et contraintes »: the guide's questions (seed 004, entretien
    d'exploration des motivations et valeurs), one answer each, one exercise per bilan."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="motivations")
    motivates = EncryptedTextField(_("ce qui me motive"), blank=True)
    exhausts = EncryptedTextField(_("ce qui m'épuise"), blank=True)
    criteria = EncryptedTextField(_("mes critères de choix"), blank=True)
    constraints = EncryptedTextField(_("mes contraintes"), blank=True)
    compromises = EncryptedTextField(_("mes compromis"), blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    ANSWERS = ("motivates", "exhausts", "criteria", "constraints", "compromises")

    def __str__(self) -> str:
        return f"Motivations — {self.bilan_id}"

    def answers(self) -> list[tuple[str, str]]:
        """(field name, text) for each question, in order."""
        return [(name, getattr(self, name)) for name in self.ANSWERS]
