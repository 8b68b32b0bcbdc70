"""Administrations of the instruments and their results: bilan content the beneficiary owns.

An administration names the instrument code and version it was taken with (the instruments are
versioned data files, see instruments.py). Answers save as they go and the test resumes where it
stopped; only a complete set can be submitted, once; the result keeps the scores, the
beneficiary's « comment je me reconnais dans ces résultats » and the consultant's debrief note.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.assessments.instruments import Instrument, get_instrument
from bilan.bilans.content import Content
from bilan.bilans.fields import EncryptedJSONField, EncryptedTextField


class AdministrationStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("en cours")
    SUBMITTED = "submitted", _("terminé")
    DECLINED = "declined", _("décliné")


class Sex(models.TextChoices):
    """Only to choose a norm group; never required."""

    UNSPECIFIED = "", _("je préfère ne pas préciser (moyenne femmes et hommes)")
    F = "F", _("femme")
    M = "M", _("homme")


class AgeBand(models.TextChoices):
    UNDER_21 = "<21", _("moins de 21 ans")
    FROM_21 = "21-40", _("21 à 40 ans")
    FROM_41 = "41-60", _("41 à 60 ans")
    OVER_60 = ">60", _("plus de 60 ans")


class Administration(Content):
    bilan = models.ForeignKey("bilans.Bilan", on_delete=models.CASCADE, related_name="tests")
    instrument_code = models.CharField(max_length=50)
    instrument_version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=20,
        choices=AdministrationStatus.choices,
        default=AdministrationStatus.IN_PROGRESS,
    )
    answers = EncryptedJSONField(default=dict, blank=True)
    norm_sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    norm_age_band = models.CharField(max_length=5, choices=AgeBand.choices, blank=True)
    assignment = models.ForeignKey(
        "entretiens.Assignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tests",
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One live administration per instrument and bilan: resuming, never duplicating.
            models.UniqueConstraint(
                fields=["bilan", "instrument_code"],
                condition=models.Q(status="in_progress"),
                name="one_test_in_progress_per_instrument",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} v{self.instrument_version} ({self.get_status_display()})"

    @property
    def instrument(self) -> Instrument:
        return get_instrument(self.instrument_code, self.instrument_version)

    @property
    def answered_count(self) -> int:
        return len(self.answers)

    @property
    def progress_percent(self) -> int:
        total = len(self.instrument.items)
        return round(100 * self.answered_count / total) if total else 0


class Result(Content):
    bilan_path = "administration__bilan"

    administration = models.OneToOneField(
        Administration, on_delete=models.CASCADE, related_name="result"
    )
    scores = EncryptedJSONField()
    computed_at = models.DateTimeField(auto_now_add=True)
    beneficiary_comment = EncryptedTextField(
        _("Comment je me reconnais dans ces résultats"), blank=True
    )
    beneficiary_commented_at = models.DateTimeField(null=True, blank=True)
    debrief_note = EncryptedTextField(_("Note de restitution"), blank=True)
    debriefed_at = models.DateTimeField(null=True, blank=True)
    debriefed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Result of {self.administration}"
