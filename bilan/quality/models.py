"""The Qualiopi quality system (issue 15): the referential as dated data, satisfaction surveys,
complaints, improvement actions.

Nothing here is bilan content: a survey answer carries no bilan, no invitation and no person
(pseudonymised at collection: organisation, kind, quarter and a random token only); the
invitation that sent the link is administrative (who was asked, when, whether it was used).
Rules live in referential.py and surveys.py; pages and the API call them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan
from bilan.organisations.models import Organisation

LABEL_MAX = 300
ANSWER_TEXT_MAX = 2000


# ---- the referential ------------------------------------------------------------------------


class ReferentialVersion(models.Model):
    """One version of the Référentiel national qualité, in force from `valid_from`.

    A version whose text is not yet confirmed (`to_verify`) is shown « à vérifier » until an
    admin confirms it; it still applies from its date (an audit on that date uses it)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("intitulé"), max_length=LABEL_MAX)
    valid_from = models.DateField(_("en vigueur à partir du"))
    source = models.CharField(_("source"), max_length=LABEL_MAX)
    to_verify = models.BooleanField(_("à vérifier"), default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("version du référentiel qualité")

    def __str__(self) -> str:
        return self.code


class Criterion(models.Model):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="criteria"
    )
    number = models.PositiveSmallIntegerField(_("critère"))
    title = models.TextField(_("intitulé"))

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="one_criterion_number")
        ]

    def __str__(self) -> str:
        return f"{self.version.code} critère {self.number}"


class Indicator(models.Model):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="indicators")
    number = models.PositiveSmallIntegerField(_("indicateur"))
    title = models.TextField(_("intitulé"))
    applies_to_bilan = models.BooleanField(_("s'applique aux bilans de compétences"))
    bilan_note = models.TextField(_("précision pour les bilans"), blank=True)
    evidence = models.JSONField(_("preuves attendues"), default=list)  # list[str], French
    sources = models.JSONField(default=list)  # list[str]: where the software finds evidence

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="one_indicator_number")
        ]

    def __str__(self) -> str:
        return f"{self.version.code} indicateur {self.number}"


# ---- satisfaction surveys -------------------------------------------------------------------


class SurveyKind(models.TextChoices):
    HOT = "hot", _("à chaud (fin de bilan)")
    COLD = "cold", _("à froid (6 mois)")
    STAKEHOLDER = "stakeholder", _("financeurs et employeurs (annuelle)")


class QuestionType(models.TextChoices):
    SCALE = "scale", _("échelle de 1 à 5")
    YES_NO = "yes_no", _("oui / non")
    TEXT = "text", _("texte libre")


class QuestionSet(models.Model):
    """The questions of one survey kind, versioned: the general set (organisation empty) or an
    organisation's own extension of it. An invitation keeps the version it was sent with."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=SurveyKind.choices)
    version = models.PositiveIntegerField()
    questions = models.JSONField(default=list)  # [{"key", "label", "type"}]
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "version"], name="one_question_set_version"
            ),
            models.UniqueConstraint(
                fields=["kind", "version"],
                condition=Q(organisation__isnull=True),
                name="one_general_question_set_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


def new_nonce() -> str:
    return secrets.token_hex(16)


class SurveyInvitation(models.Model):
    """Who is asked to answer one survey, and the two e-mails (invitation, one reminder) sent
    once through bilan.lib.deliveries. Administrative: it never holds the answer."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=SurveyKind.choices)
    bilan = models.ForeignKey(
        Bilan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)  # a funder's or employer's (the bilan's own otherwise)
    year = models.PositiveSmallIntegerField(null=True, blank=True)  # the yearly survey's
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    send_on = models.DateField()
    nonce = models.CharField(max_length=32, default=new_nonce)
    answered = models.BooleanField(default=False)  # no time: it would line up with the answer
    created_at = models.DateTimeField(auto_now_add=True)
    invite_sent_at = models.DateTimeField(null=True, blank=True)
    invite_claimed_at = models.DateTimeField(null=True, blank=True)
    invite_claim_token = models.CharField(max_length=32, blank=True, default="")
    invite_attempts = models.PositiveSmallIntegerField(default=0)
    invite_retry_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    reminder_claim_token = models.CharField(max_length=32, blank=True, default="")
    reminder_attempts = models.PositiveSmallIntegerField(default=0)
    reminder_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-send_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bilan", "kind"],
                condition=Q(bilan__isnull=False),
                name="one_survey_per_bilan_and_kind",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "email", "year"],
                condition=Q(bilan__isnull=True),
                name="one_yearly_survey_per_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.send_on}"


def new_pseudonym() -> str:
    return secrets.token_hex(16)


class SurveyAnswer(models.Model):
    """One answered questionnaire, pseudonymised at collection: no bilan, no invitation, no
    person, no time finer than the quarter; a UUID key so no sequence lines up with the
    invitations."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pseudonym = models.CharField(max_length=32, unique=True, default=new_pseudonym)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=SurveyKind.choices)
    quarter = models.CharField(max_length=7)  # « 2026-T4 »
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)  # {question key: 1..5 | "yes"/"no" | text}

    class Meta:
        ordering = ["quarter"]

    def __str__(self) -> str:
        return f"{self.kind} {self.quarter}"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-T{(day.month - 1) // 3 + 1}"


# ---- settings of the quality system, per organisation ---------------------------------------


class QualitySettings(models.Model):
    """The organisation's own choices for its quality system (not rules of law)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="quality_settings"
    )
    complaint_answer_days = models.PositiveSmallIntegerField(
        _("délai de réponse aux réclamations (jours)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    complaint_alert_days = models.PositiveSmallIntegerField(
        _("alerte avant l'échéance (jours)"),
        default=3,
        validators=[MaxValueValidator(30)],
    )

    def __str__(self) -> str:
        return f"Qualité {self.organisation_id}"


# ---- complaints -----------------------------------------------------------------------------


class ComplaintChannel(models.TextChoices):
    PORTAL = "portal", _("espace bénéficiaire")
    EMAIL = "email", _("e-mail")
    PHONE = "phone", _("téléphone")
    LETTER = "letter", _("courrier")
    IN_PERSON = "in_person", _("en personne")


class ComplainantRole(models.TextChoices):
    BENEFICIARY = "beneficiary", _("bénéficiaire")
    FUNDER = "funder", _("financeur")
    EMPLOYER = "employer", _("employeur")
    CONSULTANT = "consultant", _("consultant·e")
    OTHER = "other", _("autre")


class ComplaintCategory(models.TextChoices):
    ACCOMPANIMENT = "accompaniment", _("accompagnement")
    ORGANISATION = "organisation", _("organisation, planning")
    ADMINISTRATIVE = "administrative", _("administratif, financement")
    ACCESSIBILITY = "accessibility", _("accessibilité, handicap")
    CONFIDENTIALITY = "confidentiality", _("confidentialité")
    OTHER = "other", _("autre")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("reçue")
    IN_TREATMENT = "in_treatment", _("en traitement")
    ANSWERED = "answered", _("répondue")


class Complaint(models.Model):
    """One complaint of the register (ind. 31, REQ-46): who, when, through which channel, the
    acknowledgment, the answer deadline, the treatment and the answer.

    Stored apart from bilan content: no link to a bilan (the complainant says what they want
    in their text); the complainant's account, when there is one, lets them follow it."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(_("référence"), max_length=20)
    received_on = models.DateField(_("reçue le"))
    channel = models.CharField(_("canal"), max_length=10, choices=ComplaintChannel.choices)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complainant_role = models.CharField(
        _("émise par"), max_length=12, choices=ComplainantRole.choices
    )
    complainant_name = models.CharField(_("nom"), max_length=200)
    complainant_email = models.EmailField(_("e-mail"), blank=True)
    category = models.CharField(_("objet"), max_length=16, choices=ComplaintCategory.choices)
    text = models.TextField(_("réclamation"))
    answer_due_on = models.DateField(_("réponse attendue au plus tard le"))
    status = models.CharField(
        max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    treatment = models.TextField(_("traitement"), blank=True)
    answer = models.TextField(_("réponse"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The acknowledgment to the complainant, and the staff's alerts: each sent once (deliveries).
    ack_sent_at = models.DateTimeField(null=True, blank=True)
    ack_claimed_at = models.DateTimeField(null=True, blank=True)
    ack_claim_token = models.CharField(max_length=32, blank=True, default="")
    ack_attempts = models.PositiveSmallIntegerField(default=0)
    ack_retry_at = models.DateTimeField(null=True, blank=True)
    alert_sent_at = models.DateTimeField(null=True, blank=True)
    alert_claimed_at = models.DateTimeField(null=True, blank=True)
    alert_claim_token = models.CharField(max_length=32, blank=True, default="")
    alert_attempts = models.PositiveSmallIntegerField(default=0)
    alert_retry_at = models.DateTimeField(null=True, blank=True)
    overdue_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_claimed_at = models.DateTimeField(null=True, blank=True)
    overdue_claim_token = models.CharField(max_length=32, blank=True, default="")
    overdue_attempts = models.PositiveSmallIntegerField(default=0)
    overdue_retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="one_complaint_reference"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_overdue(self) -> bool:
        return self.answered_at is None and self.answer_due_on < timezone.localdate()


# ---- improvement actions --------------------------------------------------------------------


class ImprovementSource(models.TextChoices):
    COMPLAINT = "complaint", _("réclamation")
    SURVEY = "survey", _("résultat d'enquête")
    AUDIT = "audit", _("constat d'audit")
    WATCH = "watch", _("veille")
    OTHER = "other", _("autre")


class ImprovementStatus(models.TextChoices):
    PLANNED = "planned", _("prévue")
    IN_PROGRESS = "in_progress", _("en cours")
    DONE = "done", _("réalisée")
    ABANDONED = "abandoned", _("abandonnée")


class ImprovementAction(models.Model):
    """One improvement action (ind. 32, REQ-47): what it comes from, who owns it, by when,
    where it stands, and the effect measured once done."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("origine"), max_length=10, choices=ImprovementSource.choices)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="improvements"
    )
    survey_kind = models.CharField(
        _("enquête"), max_length=12, choices=SurveyKind.choices, blank=True
    )
    source_note = models.TextField(_("constat à l'origine"), blank=True)
    title = models.CharField(_("action"), max_length=LABEL_MAX)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("échéance"))
    status = models.CharField(
        _("état"),
        max_length=12,
        choices=ImprovementStatus.choices,
        default=ImprovementStatus.PLANNED,
    )
    effect = models.TextField(_("effet mesuré"), blank=True)
    effect_measured_on = models.DateField(_("effet mesuré le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_late(self) -> bool:
        open_ = self.status in (ImprovementStatus.PLANNED, ImprovementStatus.IN_PROGRESS)
        return open_ and self.due_on < timezone.localdate()


# ---- the audit pack -------------------------------------------------------------------------


class PackStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("prêt")
    FAILED = "failed", _("échec")


class AuditPack(models.Model):
    """One audit pack (REQ-34): a period, a sample of bilans, the referential version in force
    on the period's end, and the zip the worker builds (with its progress, polled by the page).
    The zip holds no bilan content (pack.py reads administrative data only)."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    start = models.DateField(_("début de la période"))
    end = models.DateField(_("fin de la période"))
    sample_size = models.PositiveSmallIntegerField(_("taille de l'échantillon"))
    seed = models.BigIntegerField(_("graine du tirage"), null=True, blank=True)
    chosen = models.BooleanField(_("échantillon choisi"), default=False)
    bilan_ids = models.JSONField(default=list)  # the sample, drawn when the pack is requested
    version = models.ForeignKey(ReferentialVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    data = models.BinaryField(blank=True, default=b"")
    size = models.PositiveIntegerField(default=0)
    files = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"Pack {self.start}–{self.end} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (PackStatus.QUEUED, PackStatus.RUNNING)

    @property
    def filename(self) -> str:
        return f"pack-audit-{self.start:%Y%m%d}-{self.end:%Y%m%d}.zip"

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


# ---- the watch log --------------------------------------------------------------------------


class WatchKind(models.TextChoices):
    LEGAL = "legal", _("légale et réglementaire (ind. 23)")
    JOBS = "jobs", _("emplois, métiers et compétences (ind. 24)")
    INNOVATION = "innovation", _("innovations pédagogiques et technologiques (ind. 25)")


class WatchEntry(models.Model):
    """One entry of the watch log (ind. 23–25, REQ-43): what was learnt, from where, and the
    configuration change it caused (a new hours rule, say), when it caused one."""

    document_class = DocumentClass.QUALITE_ANONYMISE

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    noted_on = models.DateField(_("date"))
    kind = models.CharField(_("veille"), max_length=12, choices=WatchKind.choices)
    source = models.CharField(_("source"), max_length=LABEL_MAX)
    summary = models.TextField(_("ce qui change"))
    hours_rule = models.ForeignKey(
        "organisations.HoursRule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("règle d'heures créée ou modifiée"),
    )
    configuration_change = models.TextField(_("changement de configuration"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-noted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.noted_on} {self.source}"
