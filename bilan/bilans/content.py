"""The one place that says which models hold bilan content, and the document class of every
stored model and file (REQ-8, REQ-11, REQ-52).

A model holding content inherits `Content` and names its document class. Any other model
names its class with a `document_class` attribute, or (third-party and framework models, the
referential) in `DECLARED` below; file fields in `FILE_CLASSES`. Retention, export and
permission rules ask `is_content()` / `content_models()` / `class_of()`, never a list of their
own: a test (bilan/lifecycle/test_classes.py) fails when an installed model or file field has
no class.
It sits in the core (it was bilan/compliance/content.py): the core's own BilanFraming is
content, and compliance, above the core, reads what is declared here.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentClass(models.TextChoices):
    """Retention classes of REQ-11 (a) and REQ-52."""

    TRAVAIL_BILAN = "travail_bilan", _("travail du bilan (contenu)")
    SYNTHESE = "synthese", _("document de synthèse (contenu)")
    ADMIN_CONTRAT = "admin_contrat", _("contrat et consentement")
    PREUVE_REALISATION = "preuve_realisation", _("preuve de réalisation")
    FACTURATION = "facturation", _("facturation")
    QUALITE_ANONYMISE = "qualite_anonymise", _("qualité (anonymisé)")
    JOURNAUX_SECURITE = "journaux_securite", _("journaux de sécurité et d'accès")
    # Not personal data of a bilan: kept while in use, outside the retention matrix.
    REFERENTIEL = "referentiel", _("référentiel (non personnel)")
    TECHNIQUE = "technique", _("données techniques (sessions, tâches, comptes)")


CONTENT_CLASSES = frozenset({DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE})


class Content(models.Model):
    """Abstract base of every model holding bilan content.

    `bilan_path` is the lookup from the model to its Bilan ("bilan", or "entretien__bilan"),
    so retention, export and access rules can find every content row of a bilan.
    """

    document_class: DocumentClass = DocumentClass.TRAVAIL_BILAN
    bilan_path: str = "bilan"

    class Meta:
        abstract = True


# Models that do not carry a `document_class` attribute of their own: framework and third-party
# models, accounts, the tenant and the referential. A model of the project prefers the attribute.
DECLARED: dict[str, DocumentClass] = {
    # The provider's side (issues 13, 15): billing, funding and quality configuration.
    "billing.BillingProfile": DocumentClass.FACTURATION,  # the mentions every invoice carries
    "billing.BillingRule": DocumentClass.REFERENTIEL,  # dated rules of law, not personal
    "billing.NumberCounter": DocumentClass.FACTURATION,
    "billing.Invoice": DocumentClass.FACTURATION,
    "billing.InvoiceLine": DocumentClass.FACTURATION,
    "billing.PersonalFundsContract": DocumentClass.ADMIN_CONTRAT,
    "billing.Instalment": DocumentClass.FACTURATION,
    "billing.ContractEvent": DocumentClass.ADMIN_CONTRAT,
    "funding.CpfRule": DocumentClass.REFERENTIEL,
    "entretiens.AttendancePolicy": DocumentClass.TECHNIQUE,  # an organisation's settings
    "quality.ReferentialVersion": DocumentClass.REFERENTIEL,
    "quality.Criterion": DocumentClass.REFERENTIEL,
    "quality.Indicator": DocumentClass.REFERENTIEL,
    "quality.QuestionSet": DocumentClass.REFERENTIEL,
    "quality.QualitySettings": DocumentClass.TECHNIQUE,
    # Django and the libraries: technical, or the security logs of the login hardening.
    "auth.Permission": DocumentClass.TECHNIQUE,
    "auth.Group": DocumentClass.TECHNIQUE,
    "contenttypes.ContentType": DocumentClass.TECHNIQUE,
    "sessions.Session": DocumentClass.TECHNIQUE,  # expires with the session (SESSION_COOKIE_AGE)
    "django_q.Task": DocumentClass.TECHNIQUE,
    "django_q.Success": DocumentClass.TECHNIQUE,
    "django_q.Failure": DocumentClass.TECHNIQUE,
    "django_q.Schedule": DocumentClass.TECHNIQUE,
    "django_q.OrmQ": DocumentClass.TECHNIQUE,
    "axes.AccessFailureLog": DocumentClass.JOURNAUX_SECURITE,
    "axes.AccessAttempt": DocumentClass.JOURNAUX_SECURITE,
    "axes.AccessAttemptExpiration": DocumentClass.JOURNAUX_SECURITE,
    "axes.AccessLog": DocumentClass.JOURNAUX_SECURITE,
    "otp_totp.TOTPDevice": DocumentClass.TECHNIQUE,
    "otp_static.StaticDevice": DocumentClass.TECHNIQUE,
    "otp_static.StaticToken": DocumentClass.TECHNIQUE,
    "worker.Heartbeat": DocumentClass.TECHNIQUE,
    # Accounts: the person's account is part of the contract; credentials are technical.
    "accounts.User": DocumentClass.ADMIN_CONTRAT,
    "accounts.ApiToken": DocumentClass.TECHNIQUE,
    "accounts.LoginLink": DocumentClass.TECHNIQUE,
    # The tenant: its identity and rules are not personal data of a bilan.
    "organisations.Organisation": DocumentClass.REFERENTIEL,
    "organisations.HoursRule": DocumentClass.REFERENTIEL,
    "organisations.Membership": DocumentClass.ADMIN_CONTRAT,
    "organisations.Invitation": DocumentClass.ADMIN_CONTRAT,
    # The bilan's administrative record and its history.
    "bilans.Bilan": DocumentClass.ADMIN_CONTRAT,
    "bilans.ConsultantAssignment": DocumentClass.ADMIN_CONTRAT,
    # Entry, interruption and exit dates (EDOF, REQ-16): proofs of the action.
    "bilans.StatusChange": DocumentClass.PREUVE_REALISATION,
    "entretiens.InterviewGuide": DocumentClass.REFERENTIEL,
    # Date, duration and status of each entretien held: proofs (its notes are content).
    "entretiens.Entretien": DocumentClass.PREUVE_REALISATION,
    "compliance.AuditEvent": DocumentClass.JOURNAUX_SECURITE,
    "exchanges.MessageRead": DocumentClass.TRAVAIL_BILAN,  # goes with its message
    "exchanges.DigestLog": DocumentClass.TECHNIQUE,
    # The ROME referential (France Travail open data): no personal data.
    "careers.RomeVersion": DocumentClass.REFERENTIEL,
    "careers.GrandDomaine": DocumentClass.REFERENTIEL,
    "careers.DomaineProfessionnel": DocumentClass.REFERENTIEL,
    "careers.Metier": DocumentClass.REFERENTIEL,
    "careers.Appellation": DocumentClass.REFERENTIEL,
    "careers.Competence": DocumentClass.REFERENTIEL,
    "careers.Savoir": DocumentClass.REFERENTIEL,
    "careers.ContexteTravail": DocumentClass.REFERENTIEL,
    "careers.CentreInteret": DocumentClass.REFERENTIEL,
    "careers.SecteurActivite": DocumentClass.REFERENTIEL,
    "careers.MetierCompetence": DocumentClass.REFERENTIEL,
    "careers.MetierSavoir": DocumentClass.REFERENTIEL,
    "careers.MetierContexte": DocumentClass.REFERENTIEL,
    "careers.MetierCentreInteret": DocumentClass.REFERENTIEL,
    "careers.MetierSecteur": DocumentClass.REFERENTIEL,
    "careers.Mobilite": DocumentClass.REFERENTIEL,
}

# Stored files, "app.Model.field" → class: a file follows the retention of its class, not
# only its row's (the logo is the tenant's, a message attachment is the bilan's work).
FILE_CLASSES: dict[str, DocumentClass] = {
    "organisations.Organisation.logo": DocumentClass.REFERENTIEL,
    "exchanges.MessageAttachment.file": DocumentClass.TRAVAIL_BILAN,
    "documents.RenderJob.file": DocumentClass.SYNTHESE,
    "bilans.Consent.scan": DocumentClass.ADMIN_CONTRAT,  # the signed paper form: proof
}


# Rows of a content class that hold no text themselves (their children do) and that a proof
# hangs on: destroying their class destroys their children, the shell goes with the bilan's
# administrative record (label → why).
SHELLS: dict[str, str] = {
    "documents.Synthese": "status and dates only (the text is in its versions); the handover "
    "proof (SyntheseHandover, PREUVE_REALISATION) hangs on it",
}


def class_of(model: type[models.Model] | models.Model) -> DocumentClass | None:
    """The document class of a model (its own attribute first, then `DECLARED`); None: none,
    which the registry test refuses for every installed model."""
    cls = model if isinstance(model, type) else type(model)
    own = getattr(cls, "document_class", None)
    if own is not None:
        return DocumentClass(own)
    return DECLARED.get(cls._meta.label)


def file_class(model: type[models.Model], field_name: str) -> DocumentClass | None:
    return FILE_CLASSES.get(f"{model._meta.label}.{field_name}")


def models_of_class(document_class: str) -> list[type[models.Model]]:
    return [m for m in apps.get_models() if class_of(m) == document_class]


def is_content(model: type[models.Model] | models.Model) -> bool:
    cls = model if isinstance(model, type) else type(model)
    return issubclass(cls, Content) and cls.document_class in CONTENT_CLASSES


def content_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if is_content(m)]
