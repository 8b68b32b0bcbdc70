"""Append-only audit trail of every read or export of bilan content (REQ-54)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.compliance import origin
from bilan.organisations.models import Role

# French names of the content types the trail records (`_meta.label`); others show raw.
OBJECT_TYPE_LABELS = {
    "bilans.BilanFraming": _("cadrage du bilan"),
    "entretiens.EntretienNote": _("notes d'entretien"),
    "entretiens.EntretienChecklist": _("objectifs et clôture d'entretien"),
    "entretiens.Assignment": _("travail inter-session"),
    "assessments.Administration": _("réponses à un test"),
    "assessments.Result": _("résultats de test"),
    "exercises.Experience": _("expérience (parcours)"),
    "exercises.Achievement": _("réalisation (parcours)"),
    "exercises.ExperienceCompetence": _("compétence (parcours)"),
    "exercises.MotivationsExercise": _("motivations et contraintes"),
    "exchanges.JournalEntry": _("entrée du journal de bord"),
    "exchanges.Message": _("message"),
    "exchanges.MessageAttachment": _("pièce jointe"),
    "careers.SavedFiche": _("fiche métier de la recherche documentaire"),
    "careers.InterestSort": _("centres d'intérêt et contraintes"),
    "careers.MatchRun": _("rapprochement avec les métiers"),
    "careers.MatchDecision": _("choix du ou de la consultant·e sur un métier suggéré"),
    "careers.CareerOption": _("piste professionnelle"),
    "careers.CareerOptionStatusChange": _("changement de statut d'une piste"),
    "careers.ProjectValidation": _("validation du projet"),
    "careers.EnqueteMetier": _("enquête métier"),
    "documents.Synthese": _("document de synthèse"),
    "documents.SyntheseVersion": _("version du document de synthèse"),
    "documents.SyntheseObservation": _("observations sur la synthèse"),
    "documents.SyntheseShare": _("partage de la synthèse"),
    "documents.RenderJob": _("fichier de la synthèse (PDF ou DOCX)"),
    "followup.ActionPlan": _("plan d'action"),
    "followup.Action": _("action du plan d'action"),
    "followup.ActionStatusChange": _("changement d'état d'une action"),
    "followup.SelfDiagnosis": _("auto-diagnostic avant le suivi"),
    "followup.SuiviReport": _("compte-rendu de l'entretien de suivi"),
}
CHANNEL_LABELS = {
    origin.WEB: _("web"),
    origin.API: _("API"),
    origin.WORKER: _("tâche de fond"),
    origin.COMMAND: _("commande d'exploitation"),
}


class AppendOnlyError(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only")

    def for_organisation(self, organisation_id: int) -> AuditEventQuerySet:
        return self.filter(organisation_id=organisation_id)


class AuditEvent(models.Model):
    """One read, export or refused read of bilan content. The database refuses UPDATE and
    DELETE of its rows (integrity.py): a migration that rebuilds this table on SQLite must run
    `integrity.install_guards` again (a test checks they are there)."""

    class Action(models.TextChoices):
        READ = "read", _("lecture")
        EXPORT = "export", _("export")
        DENIED = "denied", _("accès refusé")

    # Set by the journal page for display (compliance.views.audit_journal); not a field.
    bilan_reference: str | None

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Plain ids and a copied e-mail, not foreign keys: the trail outlives users and bilans.
    actor_id = models.BigIntegerField(null=True)
    actor_email = models.CharField(max_length=254)
    actor_role = models.CharField(max_length=20, blank=True)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    bilan_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=10, default="web")  # web, api, worker or command
    # The client's address as an HMAC under IP_HASH_KEY (bilan.lib.net.hash_ip), as attendance.
    ip_hash = models.CharField(max_length=64, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only")
        self.fill_origin()
        super().save(*args, **kwargs)

    def fill_origin(self) -> None:
        """The request's channel and hashed address, when the caller has not set them."""
        here = origin.current()
        if here is not None:
            self.channel = here.channel
        if not self.ip_hash:
            self.ip_hash = origin.ip_hash()

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only")

    @property
    def object_type_label(self) -> str:
        return str(OBJECT_TYPE_LABELS.get(self.object_type, self.object_type))

    @property
    def actor_role_label(self) -> str:
        return (
            str(Role(self.actor_role).label) if self.actor_role in Role.values else self.actor_role
        )

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))
