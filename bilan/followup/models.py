"""The plan d'action (the beneficiary's roadmap), closing's administrative traces and the suivi
à 6 mois: its schedule and outcome (administrative), the self-diagnosis and the consultant's
report (content).

Changes go through actionplan.py, closing.py and suivi.py: who may write depends on the
bilan's status (the consultant until closing and during the suivi; the beneficiary, after
closing, keeps updating statuses and notes). Reads by someone other than the beneficiary are
audited there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import Content, DocumentClass
from bilan.bilans.fields import EncryptedCharField, EncryptedTextField
from bilan.bilans.models import Bilan
from bilan.lib.dates import in_db_date_window

# Caps on what one person may type: generous for a roadmap, absurd beyond.
WHAT_MAX = 300
TEXT_MAX = 5000
MAX_ACTIONS = 50


class ActionStatus(models.TextChoices):
    TODO = "todo", _("à faire")
    DOING = "doing", _("en cours")
    DONE = "done", _("fait")
    ABANDONED = "abandoned", _("abandonnée")


class ActionPlan(Content):
    """The plan d'action of a bilan, built in the entretien d'élaboration du plan d'action."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="action_plan")
    # The validated piste the plan serves, when one was validated (careers.ProjectValidation).
    career_option = models.ForeignKey(
        "careers.CareerOption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    plan_b = EncryptedTextField(_("plan B"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Plan d'action {self.bilan_id}"


class Action(Content):
    """One step of the plan: what, how to start, when, with what, against which obstacles."""

    bilan_path = "plan__bilan"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    what = EncryptedCharField(_("action"), max_length=WHAT_MAX)
    first_step = EncryptedTextField(_("première étape"), blank=True)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    training = EncryptedTextField(_("formation"), blank=True)
    funding = EncryptedTextField(_("financement"), blank=True)
    network = EncryptedTextField(_("réseau"), blank=True)
    people = EncryptedTextField(_("personnes qui peuvent aider"), blank=True)
    obstacles = EncryptedTextField(_("obstacles prévus"), blank=True)
    overcome = EncryptedTextField(_("comment les surmonter"), blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.TODO
    )
    order = models.PositiveIntegerField(_("ordre"), default=0)
    is_plan_b = models.BooleanField(_("plan B"), default=False)
    note = EncryptedTextField(_("mes notes"), blank=True)
    added_at_suivi = models.BooleanField(default=False)  # a new action of the entretien de suivi
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["is_plan_b", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("due_on"), name="action_due_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return self.what


class ActionStatusChange(Content):
    """Each change of an action's status: who, when, from → to (never rewritten)."""

    bilan_path = "action__plan__bilan"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=ActionStatus.choices)
    to_status = models.CharField(max_length=10, choices=ActionStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Outcome(models.TextChoices):
    """Where the beneficiary stands at the suivi: a category for the results indicators."""

    TARGET_JOB = "target_job", _("en poste visé")
    TRAINING = "training", _("en formation")
    BUSINESS = "business", _("création d'activité")
    ONGOING = "ongoing", _("projet en cours")
    ABANDONED = "abandoned", _("projet abandonné")
    OTHER = "other", _("autre")


class Suivi(models.Model):
    """The suivi à 6 mois of a bilan: its entretien, the self-diagnosis e-mail, the outcome.

    Administrative only (dates and a category, never content): indicators and the funder's
    view may read it.
    """

    document_class = DocumentClass.PREUVE_REALISATION

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="suivi")
    entretien = models.ForeignKey(
        "entretiens.Entretien", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled_at = models.DateTimeField(auto_now_add=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The self-diagnosis invitation, sent once through bilan.lib.deliveries.
    self_diagnosis_sent_at = models.DateTimeField(null=True, blank=True)
    self_diagnosis_claimed_at = models.DateTimeField(null=True, blank=True)
    self_diagnosis_claim_token = models.CharField(max_length=32, blank=True, default="")
    self_diagnosis_attempts = models.PositiveSmallIntegerField(default=0)
    self_diagnosis_retry_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        _("situation au suivi"), max_length=20, choices=Outcome.choices, blank=True
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Suivi {self.bilan_id}"


class SelfDiagnosis(Content):
    """What the beneficiary did since the bilan, in their words, before the entretien de suivi."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="self_diagnosis")
    formations = EncryptedTextField(_("formations"), blank=True)
    candidatures = EncryptedTextField(_("candidatures"), blank=True)
    enquetes = EncryptedTextField(_("enquêtes métier"), blank=True)
    contacts = EncryptedTextField(_("contacts"), blank=True)
    results = EncryptedTextField(_("résultats obtenus"), blank=True)
    obstacles = EncryptedTextField(_("obstacles rencontrés"), blank=True)
    questions = EncryptedTextField(_("mes questions actuelles"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Auto-diagnostic {self.bilan_id}"


class SuiviReport(Content):
    """The consultant's record of the entretien de suivi; the beneficiary reads it once
    finalised (the compte-rendu)."""

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="suivi_report")
    advances = EncryptedTextField(_("avancées"), blank=True)
    difficulties = EncryptedTextField(_("difficultés"), blank=True)
    adjustments = EncryptedTextField(_("ajustements"), blank=True)
    new_actions = EncryptedTextField(_("nouvelles actions"), blank=True)
    calendar = EncryptedTextField(_("calendrier actualisé"), blank=True)
    recommendations = EncryptedTextField(_("recommandations"), blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Compte-rendu de suivi {self.bilan_id}"


class CertificateVersion(models.Model):
    """One issued version of the certificat de réalisation (REQ-29; issue 14): its number, the
    facts it states (administrative only, as `certificate.facts` gathers them), when, by whom
    and, from the second on, why it was reissued. Append-only: a correction is a new version,
    the old ones stay (kept and listed)."""

    document_class = DocumentClass.PREUVE_REALISATION

    bilan = models.ForeignKey(Bilan, on_delete=models.PROTECT, related_name="certificates")
    number = models.PositiveIntegerField(_("version"))
    facts = models.JSONField(default=dict)
    reason = models.CharField(_("motif de la réédition"), max_length=300, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["bilan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["bilan", "number"], name="one_certificate_number")
        ]

    def __str__(self) -> str:
        return f"{self.bilan_id} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            from bilan.compliance.models import AppendOnlyError  # why: keeps models imports flat

            raise AppendOnlyError("A certificate version is never overwritten: reissue it")
        super().save(*args, **kwargs)
