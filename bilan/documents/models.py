"""The document de synthèse (REQ-10): one per bilan, every saved version kept, the
beneficiary's observations and decision, the remise, the beneficiary's shares and the rendered
files. Rules live in synthese.py; these models only hold state.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import Content, DocumentClass
from bilan.bilans.fields import EncryptedFileField, EncryptedJSONField, EncryptedTextField
from bilan.lib.dates import in_db_date_window

# The sections of REQ-10 (and R6313-4 3°), in the document's order: key → French title.
SECTIONS: dict[str, str] = {
    "circonstances": _("Circonstances et demande"),
    "competences": _("Compétences et aptitudes au regard des perspectives"),
    "motivations": _("Motivations, valeurs et critères"),
    "projet": _("Projet professionnel retenu et alternatives"),
    "conditions": _("Conditions et moyens favorisant la réalisation"),
    "plan_action": _("Principales étapes / plan d'action"),
    "suivi": _("Modalités du suivi"),
}


def private_root() -> str:
    """Where rendered syntheses are stored: outside MEDIA_ROOT, never served as static files."""
    return str(getattr(settings, "PRIVATE_MEDIA_ROOT", settings.BASE_DIR / "var" / "private"))


@deconstructible
class PrivateStorage(FileSystemStorage):
    """A file system storage whose location is read from the settings at each use (tests move it)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return private_root()

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


def private_storage() -> PrivateStorage:
    return PrivateStorage()


class SyntheseStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon du ou de la consultant·e")
    SUBMITTED = "submitted", _("soumise pour observations")
    VALIDATED = "validated", _("validée par le ou la bénéficiaire")
    REFUSED = "refused", _("refusée par le ou la bénéficiaire, avec ses observations")


DECIDED = (SyntheseStatus.VALIDATED, SyntheseStatus.REFUSED)


class Synthese(Content):
    """The bilan's document de synthèse; its text lives in its versions."""

    document_class = DocumentClass.SYNTHESE

    bilan = models.OneToOneField("bilans.Bilan", on_delete=models.CASCADE, related_name="synthese")
    status = models.CharField(
        max_length=20, choices=SyntheseStatus.choices, default=SyntheseStatus.DRAFT
    )
    # The version the beneficiary reads (the last one submitted), and the one they decided on.
    submitted_number = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_number = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Synthèse {self.bilan_id} ({self.status})"

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED

    def latest(self) -> SyntheseVersion:
        return self.versions.order_by("-number").first()

    def version(self, number: int | None) -> SyntheseVersion | None:
        if number is None:
            return None
        return self.versions.filter(number=number).first()


class SyntheseVersion(Content):
    """One saved state of the whole synthèse: `sections` {key: sanitised html}, `sources`
    {key: [{text, source_type, source_id, source_url, source_label}]}."""

    document_class = DocumentClass.SYNTHESE
    bilan_path = "synthese__bilan"

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    sections = EncryptedJSONField(default=dict)
    sources = EncryptedJSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)  # « préremplissage », « modification »
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["synthese", "number"], name="one_synthese_number")
        ]

    def __str__(self) -> str:
        return f"Synthèse {self.synthese_id} v{self.number}"

    def section(self, key: str) -> str:
        return self.sections.get(key, "")


class SyntheseObservation(Content):
    """What the beneficiary wrote about a submitted version (plain text, escaped on display)."""

    document_class = DocumentClass.SYNTHESE
    bilan_path = "synthese__bilan"

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="observations")
    version = models.ForeignKey(SyntheseVersion, on_delete=models.CASCADE, related_name="+")
    text = EncryptedTextField(_("observations"))
    with_refusal = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Observation {self.synthese_id} v{self.version_id}"


class HandoverChannel(models.TextChoices):
    IN_PERSON = "in_person", _("en main propre")
    EMAIL = "email", _("par e-mail")
    PORTAL = "portal", _("dans l'espace bénéficiaire")
    POST = "post", _("par courrier")


class SyntheseHandover(models.Model):
    """The remise of the synthèse (REQ-7): date, channel, acknowledgment. No content."""

    document_class = DocumentClass.PREUVE_REALISATION

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="handovers")
    version_number = models.PositiveIntegerField()
    handed_on = models.DateField(_("date de la remise"))
    channel = models.CharField(_("moyen"), max_length=20, choices=HandoverChannel.choices)
    acknowledged = models.BooleanField(_("accusé de réception"), default=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("handed_on"), name="handover_handed_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"Remise {self.synthese_id} {self.handed_on}"


class SyntheseShare(Content):
    """A share decided by the beneficiary, for one named recipient (REQ-8): the consent text,
    a one-time link (its digest only is kept) that expires, and its use or revocation."""

    document_class = DocumentClass.SYNTHESE
    bilan_path = "synthese__bilan"

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="shares")
    version_number = models.PositiveIntegerField()
    recipient_name = models.CharField(_("destinataire"), max_length=200)
    recipient_email = models.EmailField(_("e-mail du ou de la destinataire"))
    consent_text = models.TextField()
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Partage {self.synthese_id} → {self.recipient_email}"

    @property
    def usable(self) -> bool:
        return not self.used_at and not self.revoked_at and self.expires_at > timezone.now()


class RenderFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX (Word)"


class RenderStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("prêt")
    FAILED = "failed", _("échec")


class RenderJob(Content):
    """A PDF or DOCX of one version, made in the background; the file is kept with its version."""

    document_class = DocumentClass.SYNTHESE
    bilan_path = "synthese__bilan"

    synthese = models.ForeignKey(Synthese, on_delete=models.CASCADE, related_name="render_jobs")
    version_number = models.PositiveIntegerField()
    format = models.CharField(max_length=10, choices=RenderFormat.choices)
    status = models.CharField(
        max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    file = EncryptedFileField(storage=private_storage, upload_to="syntheses/", blank=True)
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    # When a worker began it (tasks.render_synthese): « en cours » long past this, it was lost.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} v{self.version_number} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (RenderStatus.QUEUED, RenderStatus.RUNNING)

    @property
    def filename(self) -> str:
        return f"synthese-{self.synthese.bilan.reference}-v{self.version_number}.{self.format}"
