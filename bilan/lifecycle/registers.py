"""The GDPR registers generated from configuration (REQ-48, REQ-49, REQ-51, REQ-54): the
Art. 30 record of processing, the sub-processors the operator declares (settings
SUBPROCESSORS), a DPIA template prefilled from the product's processing, and the breach log
with its 72-hour clock. Retention comes from the rules table, never a copy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.content import DocumentClass
from bilan.bilans.models import RuleViolation
from bilan.lifecycle import retention
from bilan.lifecycle.models import Breach
from bilan.organisations.models import Organisation, Role

# The product's processing (REQ-49): purpose, lawful basis, data categories (document classes).
PROCESSING: list[dict[str, Any]] = [
    {
        "purpose": "Réalisation du bilan de compétences (art. L6313-4 C. trav.)",
        "basis": "Contrat (art. 6-1-b RGPD)",
        "classes": [DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE],
        "people": "Bénéficiaires",
    },
    {
        "purpose": "Contractualisation, consentement, gestion administrative",
        "basis": "Contrat (art. 6-1-b) ; consentement du bénéficiaire (art. L6313-4)",
        "classes": [DocumentClass.ADMIN_CONTRAT],
        "people": "Bénéficiaires, personnel de l'organisme",
    },
    {
        "purpose": "Preuves de réalisation, déclarations CPF/OPCO, BPF, contrôles",
        "basis": "Obligation légale (art. 6-1-c)",
        "classes": [DocumentClass.PREUVE_REALISATION],
        "people": "Bénéficiaires",
    },
    {
        "purpose": "Facturation et comptabilité",
        "basis": "Obligation légale (art. 6-1-c ; L123-22 C. com.)",
        "classes": [DocumentClass.FACTURATION],
        "people": "Bénéficiaires, financeurs",
    },
    {
        "purpose": "Enquêtes de satisfaction Qualiopi (pseudonymisées)",
        "basis": "Intérêt légitime (art. 6-1-f), avec droit d'opposition",
        "classes": [DocumentClass.QUALITE_ANONYMISE],
        "people": "Bénéficiaires",
    },
    {
        "purpose": "Conservation au-delà de la fin de l'action pour le suivi (R6313-7)",
        "basis": "Consentement écrit (art. 6-1-a)",
        "classes": [DocumentClass.TRAVAIL_BILAN, DocumentClass.SYNTHESE],
        "people": "Bénéficiaires ayant signé l'accord",
    },
    {
        "purpose": "Sécurité du service et traçabilité des accès au contenu",
        "basis": "Obligation légale (art. 32 RGPD) ; intérêt légitime",
        "classes": [DocumentClass.JOURNAUX_SECURITE],
        "people": "Tous les utilisateurs",
    },
]
RECIPIENTS = [
    "Le ou la consultant·e chargé·e du bilan (contenu du bilan)",
    "L'administration de l'organisme (données administratives, jamais le contenu sans affectation)",
    "Les financeurs (Caisse des Dépôts / CPF, OPCO, France Travail) : données administratives "
    "seulement (dates, heures, attestations) — ils ne reçoivent aucun contenu du bilan",
    "L'employeur : aucun contenu ; la synthèse seulement si le ou la bénéficiaire la lui remet",
    "Les sous-traitants déclarés ci-dessous, pour l'hébergement et l'envoi des e-mails",
]
SECURITY = [
    "Accès par rôle et par affectation au bilan ; l'administration ne lit pas le contenu",
    "Double authentification des personnels (consultant·es, administration)",
    "Journal des accès au contenu, en ajout seul, conservé selon la règle des journaux",
    "Chiffrement des échanges (TLS) ; chiffrement au repos par bilan (destruction par clé)",
    "Destruction par classe documentaire selon les règles datées, certificat de destruction",
    "Sauvegardes chiffrées ; restauration respectant les destructions",
]
DPIA_CRITERIA = [
    ("Évaluation ou notation (tests psychométriques, profils d'intérêts)", True),
    ("Données sensibles ou à caractère hautement personnel (parcours, motivations, santé)", True),
    ("Personnes vulnérables (demandeurs d'emploi, salariés en reconversion)", True),
    ("Usage innovant (rapprochement automatique avec les métiers, aide à la réflexion)", True),
    ("Décision automatique avec effet juridique", False),
]


def require_admin(user: User) -> Organisation:
    membership = getattr(user, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(
            _t("Les registres sont tenus par l'administration de l'organisme."), code="forbidden"
        )
    organisation: Organisation = membership.organisation
    return organisation


def article30(organisation: Organisation, day: dt.date | None = None) -> dict[str, Any]:
    """The record of processing of `organisation` (the controller), from configuration."""
    rules = {(r.data_class, r.variant): r for r in retention.rules_in_force(organisation, day)}
    treatments = []
    for item in PROCESSING:
        treatments.append(
            {
                **item,
                "classes": [
                    {
                        "label": str(DocumentClass(c).label),
                        "rule": rules.get((str(c), "")),
                        "variants": [r for (dc, v), r in rules.items() if dc == c and v],
                    }
                    for c in item["classes"]
                ],
            }
        )
    return {
        "controller": organisation,
        "generated_at": timezone.now(),
        "treatments": treatments,
        "recipients": RECIPIENTS,
        "security": SECURITY,
        "subprocessors": subprocessors(),
    }


def subprocessors() -> list[dict[str, str]]:
    declared: list[dict[str, str]] = list(getattr(settings, "SUBPROCESSORS", []))
    return declared


def dpia(organisation: Organisation) -> dict[str, Any]:
    """A DPIA template prefilled from the product's processing (REQ-51), for the organisation to
    complete: the EDPB criteria met make it required."""
    met = [label for label, yes in DPIA_CRITERIA if yes]
    return {
        **article30(organisation),
        "criteria": DPIA_CRITERIA,
        "required": len(met) >= 2,
    }


# ---- the breach log --------------------------------------------------------------------------


def record_breach(
    *,
    by: User,
    detected_at: dt.datetime,
    description: str,
    data_categories: str,
    people_count: int = 0,
    measures: str = "",
    now: dt.datetime | None = None,
) -> Breach:
    organisation = require_admin(by)
    now = now or timezone.now()
    if not description.strip() or not data_categories.strip():
        raise RuleViolation(
            _t("Décrivez la violation et les catégories de données concernées."), code="invalid"
        )
    if detected_at > now:
        raise RuleViolation(
            _t("La date de constat ne peut pas être dans le futur."), code="invalid"
        )
    if people_count < 0:
        raise RuleViolation(_t("Le nombre de personnes ne peut pas être négatif."), code="invalid")
    return Breach.objects.create(
        organisation=organisation,
        detected_at=detected_at,
        description=description.strip(),
        data_categories=data_categories.strip(),
        people_count=people_count,
        measures=measures.strip(),
        recorded_at=now,
        recorded_by=by,
    )


def breaches_for(user: User) -> models.QuerySet[Breach]:
    return Breach.objects.filter(organisation=require_admin(user))


def get_breach(user: User, pk: int) -> Breach:
    breach = breaches_for(user).filter(pk=pk).first()
    if breach is None:
        raise Http404
    return breach


def mark_notified(
    *, breach: Breach, by: User, reason_not_notified: str = "", now: dt.datetime | None = None
) -> Breach:
    """The CNIL was notified (now), or the reason why no notification is due is recorded."""
    require_admin(by)
    if breach.cnil_notified_at or breach.no_notification_reason:
        raise RuleViolation(_t("Cette violation est déjà traitée."))
    if reason_not_notified.strip():
        breach.no_notification_reason = reason_not_notified.strip()[:500]
    else:
        breach.cnil_notified_at = now or timezone.now()
    breach.save(update_fields=["cnil_notified_at", "no_notification_reason"])
    return breach


def hours_left(breach: Breach, now: dt.datetime | None = None) -> float:
    """Hours left on the 72-hour clock (negative: late)."""
    return (breach.notify_by - (now or timezone.now())).total_seconds() / 3600
