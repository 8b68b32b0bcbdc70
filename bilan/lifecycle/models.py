"""The data lifecycle's records: dated retention rules, the beneficiary's written agreement to
keep her work for follow-up, legal holds, the D-15 notice and the destruction certificate.

Rules are decided in `retention.py` (the schedule) and `destruction.py` (the nightly job);
these models only hold what was decided or declared.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan
from bilan.lib.dates import check_person_date
from bilan.organisations.models import Organisation


class StartEvent(models.TextChoices):
    """What a retention period runs from."""

    END_OF_ACTION = "end_of_action", _("fin de l'action (clôture ou abandon du bilan)")
    INVOICE_DATE = "invoice_date", _("date de la facture")
    RECORDED_AT = "recorded_at", _("date de l'enregistrement")
    NONE = "none", _("sans objet")


class Outcome(models.TextChoices):
    """What happens when the period ends."""

    DESTROY = "destroy", _("destruction")
    PSEUDONYMISE = "pseudonymise", _("pseudonymisation (agrégats conservés)")
    KEEP = "keep", _("conservé tant qu'utile (non personnel)")


class Variant(models.TextChoices):
    """A rule's variant for one class (the proofs of an OPCO or a co-financed bilan)."""

    STANDARD = "", _("cas général")
    OPCO = "opco", _("demande de l'OPCO")
    COFINANCED = "cofinanced", _("action cofinancée")


class RetentionRule(models.Model):
    """How long a document class is kept, from a date, for all organisations (organisation
    empty) or one: law as dated data (like `HoursRule`), « à vérifier au JO » until an admin
    confirms it. The rule in force on a bilan's end of action applies to it."""

    document_class = DocumentClass.REFERENTIEL  # the table itself: law, not personal data

    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="retention_rules",
    )
    data_class = models.CharField(
        _("classe documentaire"), max_length=30, choices=DocumentClass.choices
    )
    variant = models.CharField(
        _("variante"), max_length=20, choices=Variant.choices, blank=True, default=""
    )
    valid_from = models.DateField(_("en vigueur à partir du"), validators=[check_person_date])
    duration_months = models.PositiveIntegerField(_("durée de conservation (mois)"), default=0)
    start_event = models.CharField(_("point de départ"), max_length=20, choices=StartEvent.choices)
    outcome = models.CharField(
        _("à l'échéance"), max_length=20, choices=Outcome.choices, default=Outcome.DESTROY
    )
    # With the beneficiary's written agreement for follow-up (R6313-7): kept at most this long.
    agreement_max_months = models.PositiveIntegerField(
        _("avec accord écrit de conservation : au plus (mois)"), null=True, blank=True
    )
    source = models.CharField(_("texte source"), max_length=300)
    to_verify = models.BooleanField(_("à vérifier au JO"), default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["data_class", "variant", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "data_class", "variant", "valid_from"],
                name="one_retention_rule_per_org_class_variant_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_data_class_display()} ({self.valid_from}): {self.duration_months} mois"


class AgreementScope(models.TextChoices):
    TRAVAIL = "travail", _("mes documents de travail du bilan")
    SYNTHESE = "synthese", _("l'exemplaire de la synthèse conservé par l'organisme")
    BOTH = "both", _("mes documents de travail et l'exemplaire de la synthèse")


class ConservationAgreement(models.Model):
    """« Accord écrit de conservation pour suivi » (R6313-7): the beneficiary asks the provider
    to keep documents for the follow-up of her situation; revocable at any time."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.ForeignKey(
        Bilan, on_delete=models.CASCADE, related_name="conservation_agreements"
    )
    scope = models.CharField(_("portée"), max_length=10, choices=AgreementScope.choices)
    reason = models.CharField(_("motif (suivi de ma situation)"), max_length=500)
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"Accord {self.bilan_id} {self.signed_at:%Y-%m-%d}"

    def covers(self, document_class: str) -> bool:
        if self.scope == AgreementScope.BOTH:
            return document_class in (DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE)
        if self.scope == AgreementScope.TRAVAIL:
            return document_class == DocumentClass.TRAVAIL_BILAN
        return document_class == DocumentClass.SYNTHESE


class HoldKind(models.TextChoices):
    CONTROL = "control", _("contrôle (administration, financeur, certificateur)")
    LITIGATION = "litigation", _("contentieux")


class LegalHold(models.Model):
    """A control or a litigation suspends every destruction of the bilan until lifted."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="legal_holds")
    kind = models.CharField(_("nature"), max_length=20, choices=HoldKind.choices)
    reason = models.CharField(_("motif"), max_length=500)
    placed_at = models.DateTimeField()
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.bilan_id}"


class BilanLifecycle(models.Model):
    """Per-bilan lifecycle state: the proofs' rule variant, the D-15 notice, erasure freeze."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="lifecycle")
    proof_variant = models.CharField(
        _("conservation des preuves"),
        max_length=20,
        choices=Variant.choices,
        blank=True,
        default="",
    )
    export_notice_sent_at = models.DateTimeField(null=True, blank=True)
    # Set by an erasure request: the proof classes are frozen (restricted) until their end.
    frozen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Cycle de vie {self.bilan_id}"


class DestructionCertificate(models.Model):
    """What was destroyed of one bilan, when, by class: counts and dates, never content.
    Plain ids, not a foreign key: it outlives the bilan (kept as ADMIN_CONTRAT)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan_id = models.BigIntegerField(unique=True)
    bilan_reference = models.CharField(max_length=30)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="destruction_certificates"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Certificat de destruction {self.bilan_reference}"


class DestructionLine(models.Model):
    """One destruction of one class of a bilan: how many rows of which model, how many files."""

    document_class = DocumentClass.ADMIN_CONTRAT

    certificate = models.ForeignKey(
        DestructionCertificate, on_delete=models.CASCADE, related_name="lines"
    )
    destroyed_class = models.CharField(max_length=30, choices=DocumentClass.choices)
    model_label = models.CharField(max_length=100)
    count = models.PositiveIntegerField()
    files = models.PositiveIntegerField(default=0)
    due_on = models.DateField()
    destroyed_at = models.DateTimeField()
    rule_source = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=30, default="retention")  # retention or erasure

    class Meta:
        ordering = ["destroyed_at", "id"]

    def __str__(self) -> str:
        return f"{self.destroyed_class} {self.model_label} ×{self.count}"


class LifecycleEvent(models.Model):
    """The lifecycle's own log: holds placed and lifted, refusals, notices, destructions."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan_id = models.BigIntegerField(db_index=True)
    organisation_id = models.BigIntegerField(null=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    actor_id = models.BigIntegerField(null=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind} {self.bilan_id}"


def end_of_action(bilan: Bilan) -> dt.date | None:
    """The « terme de l'action »: the bilan's end date (closing, or the abandonment)."""
    return bilan.closed_on


class InformationNotice(models.Model):
    """One published version of the information notice (REQ-58): the version recorded with a
    consent is the one in force when the server showed it, never a value a client sends."""

    document_class = DocumentClass.ADMIN_CONTRAT  # what was shown is part of the consent's proof

    version = models.CharField(_("version"), max_length=20, unique=True)
    published_at = models.DateTimeField(_("publiée le"))
    changes = models.CharField(_("ce qui change"), max_length=500, blank=True)
    template = models.CharField(max_length=100, default="legal/notice.html")

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"Notice {self.version}"


class NoticeAcknowledgement(models.Model):
    """A person read a changed notice again (shown at her next login) and acknowledged it."""

    document_class = DocumentClass.ADMIN_CONTRAT

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_acknowledgements"
    )
    version = models.CharField(max_length=20)
    acknowledged_at = models.DateTimeField()
    session_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="one_ack_per_notice_version")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.version}"


class RequestKind(models.TextChoices):
    """The data-subject rights (GDPR Art. 15–21, REQ-53)."""

    ACCESS = "access", _("accès à mes données")
    RECTIFICATION = "rectification", _("rectification")
    ERASURE = "erasure", _("effacement")
    RESTRICTION = "restriction", _("limitation du traitement")
    OBJECTION = "objection", _("opposition")
    PORTABILITY = "portability", _("portabilité")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("en cours de traitement")
    ANSWERED = "answered", _("répondue")
    REFUSED = "refused", _("refusée (motivée)")


class DataRequest(models.Model):
    """A request filed by the beneficiary from « Mes données », answered within one month
    (extendable by two, Art. 12-3); every answer is logged (DataRequestAnswer)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="data_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(_("demande"), max_length=20, choices=RequestKind.choices)
    details = models.TextField(_("précisions"), blank=True, max_length=2000)
    created_at = models.DateTimeField()
    due_on = models.DateField(_("réponse due le"))
    extended = models.BooleanField(_("délai prolongé"), default=False)
    extension_reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.bilan_id}"


class DataRequestAnswer(models.Model):
    """One answer or step on a request (answer, refusal, extension, automatic erasure)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="answers")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20)  # answer, refusal, extension, erasure
    text = models.TextField(max_length=4000)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.request_id}"


class Breach(models.Model):
    """A personal data breach (REQ-54, GDPR Art. 33/34): recorded at detection, notified to
    the CNIL within 72 hours unless it is unlikely to result in a risk (reason recorded)."""

    document_class = DocumentClass.ADMIN_CONTRAT  # the controller's register: not a bilan's

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="breaches"
    )
    detected_at = models.DateTimeField(_("constatée le"))
    description = models.TextField(_("nature de la violation"), max_length=4000)
    data_categories = models.CharField(_("catégories de données"), max_length=500)
    people_count = models.PositiveIntegerField(_("nombre approximatif de personnes"), default=0)
    measures = models.TextField(_("mesures prises"), max_length=4000, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cnil_notified_at = models.DateTimeField(_("notifiée à la CNIL le"), null=True, blank=True)
    no_notification_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]

    def __str__(self) -> str:
        return f"Violation {self.detected_at:%Y-%m-%d}"

    @property
    def notify_by(self) -> dt.datetime:
        return self.detected_at + dt.timedelta(hours=72)
