"""The one place that says which models hold bilan content (REQ-8, REQ-11, REQ-52).

A model holding content inherits `Content` and names its document class. Retention, export
and permission rules ask `is_content()` / `content_models()`, never a list of their own.
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


def is_content(model: type[models.Model] | models.Model) -> bool:
    cls = model if isinstance(model, type) else type(model)
    return issubclass(cls, Content) and cls.document_class in CONTENT_CLASSES


def content_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if is_content(m)]
