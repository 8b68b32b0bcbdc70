"""The Qualiopi gate (REQ-19, art. L6316-1 C. trav.): a route funded by public or pooled money
(CPF, OPCO, France Travail) cannot be chosen unless the organisation holds a certificate in
force covering the « bilans de compétences » category; alerts at D-90 and D-30."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import FundingRoute, RuleViolation, check_date
from bilan.funding.models import QualiopiCategory, QualiopiCertificate
from bilan.organisations.models import Organisation, Role

# L6316-1: the OPCO, the State and regions, the Caisse des Dépôts, France Travail.
FUNDED_ROUTES = (FundingRoute.CPF, FundingRoute.OPCO, FundingRoute.FRANCE_TRAVAIL)
ALERT_DAYS = (90, 30)


def certificate_on(organisation: Organisation, day: dt.date) -> QualiopiCertificate | None:
    """The certificate in force on `day` that covers bilans, if any."""
    for certificate in QualiopiCertificate.objects.filter(
        organisation=organisation, valid_from__lte=day, valid_until__gte=day
    ):
        if certificate.covers_bilan:
            return certificate
    return None


def check_funded_routes(organisation: Organisation, routes: Iterable[str], *, day: dt.date) -> None:
    """Refuse choosing a publicly funded route without a certificate covering bilans."""
    funded = [r for r in routes if r in FUNDED_ROUTES]
    if not funded or certificate_on(organisation, day) is not None:
        return
    raise RuleViolation(
        _t(
            "Financement %(route)s impossible : l'organisme n'a pas de certificat Qualiopi en "
            "cours de validité couvrant la catégorie « bilans de compétences » (art. L6316-1 "
            "du Code du travail)."
        )
        % {"route": FundingRoute(funded[0]).label}
    )


def alert_for(organisation: Organisation, today: dt.date | None = None) -> str:
    """The dashboard's message: the certificate ends within 90 days (then 30), or is missing."""
    today = today or timezone.localdate()
    certificate = certificate_on(organisation, today)
    if certificate is None:
        return _t(
            "Aucun certificat Qualiopi en cours couvrant les bilans de compétences : les "
            "financements CPF, OPCO et France Travail sont fermés (art. L6316-1)."
        )
    days = (certificate.valid_until - today).days
    later = QualiopiCertificate.objects.filter(
        organisation=organisation,
        valid_from__lte=certificate.valid_until + dt.timedelta(days=1),
        valid_until__gt=certificate.valid_until,
    )
    if any(c.covers_bilan for c in later):
        return ""  # renewed already
    for threshold in sorted(ALERT_DAYS):
        if days <= threshold:
            return _t(
                "Le certificat Qualiopi expire le %(d)s (J-%(n)s, alerte à J-%(t)s) : sans "
                "renouvellement, les financements CPF, OPCO et France Travail fermeront."
            ) % {"d": date_format(certificate.valid_until, "j F Y"), "n": days, "t": threshold}
    return ""


def record_certificate(
    *,
    organisation: Organisation,
    by: User,
    number: str,
    certifier: str,
    categories: list[str],
    valid_from: dt.date,
    valid_until: dt.date,
) -> QualiopiCertificate:
    """The administration records a certificate (a new row: the history is kept)."""
    membership = getattr(by, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or membership.role != Role.ADMIN
    ):
        raise RuleViolation(
            _t("Seule l'administration enregistre le certificat Qualiopi."), code="forbidden"
        )
    if not number.strip() or not certifier.strip():
        raise RuleViolation(
            _t("Indiquez le numéro du certificat et l'organisme certificateur."), code="invalid"
        )
    if not categories or set(categories) - set(QualiopiCategory.values):
        raise RuleViolation(
            _t("Choisissez les catégories d'actions couvertes dans la liste."), code="invalid"
        )
    check_date(valid_from, label=_t("début de validité"))
    check_date(valid_until, label=_t("fin de validité"))
    if valid_until < valid_from:
        raise RuleViolation(_t("La fin de validité précède le début de validité."), code="invalid")
    with transaction.atomic():
        return QualiopiCertificate.objects.create(
            organisation=organisation,
            number=number.strip(),
            certifier=certifier.strip(),
            categories=sorted(set(categories)),
            valid_from=valid_from,
            valid_until=valid_until,
            recorded_by=by,
        )
