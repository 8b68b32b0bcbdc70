"""The certificat de réalisation (ministry model; REQ-29, L6313-1, arrêté du 21/12/2018).

An administrative document, the one a funder receives: who (beneficiary, provider with SIRET
and NDA), what (nature « bilan de compétences »), when (first held entretien to the end date),
how long (hours delivered, from the held entretiens). Never any content of the bilan: it is
built only from the fields gathered in `facts`, so nothing else can reach the PDF.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan, Completion, Phase, RuleViolation, Status
from bilan.entretiens.ledger import hours_ledger
from bilan.entretiens.models import EntretienStatus
from bilan.lib.render import render_pdf

CERTIFIED = (Status.CLOSED, Status.FOLLOW_UP, Status.ARCHIVED)


def start_date(bilan: Bilan) -> dt.date:
    """The first held entretien's day (the action's real start), else the opening date."""
    first = (
        bilan.entretiens.filter(status=EntretienStatus.HELD)
        .exclude(phase=Phase.FOLLOW_UP)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(first) if first else bilan.opened_on


def require_certifiable(bilan: Bilan) -> None:
    if bilan.status not in CERTIFIED or bilan.closed_on is None:
        raise RuleViolation(
            _t(
                "Le certificat de réalisation est établi à la clôture du bilan : le bilan est à "
                "l'étape « %(status)s »."
            )
            % {"status": bilan.get_status_display()}
        )


def facts(bilan: Bilan) -> dict[str, Any]:
    """Everything the certificate says, and nothing more (administrative fields only)."""
    ledger = hours_ledger(bilan)  # duration from signed attendance (REQ-21)
    organisation = bilan.organisation
    return {
        "reference": bilan.reference,
        "beneficiary_name": bilan.beneficiary.get_full_name() or bilan.beneficiary.email,
        "provider_name": organisation.name,
        "provider_siret": organisation.siret,
        "provider_nda": organisation.nda,
        "provider_address": organisation.address,
        "action_title": _t("Bilan de compétences"),
        "start_on": start_date(bilan),
        "end_on": bilan.closed_on,
        "delivered_minutes": ledger.delivered_accompaniment,
        "personal_minutes": ledger.personal_delivered,
        "partial": bilan.completion == Completion.PARTIAL,
        "funding_route": str(bilan.get_funding_route_display()),
        "funding_reference": bilan.funding_reference,
        "consultant_name": bilan.consultant.get_full_name(),
        "issued_on": bilan.closed_on,
    }


def certificate_pdf(bilan: Bilan) -> bytes:
    """The certificate as a PDF (the one PDF renderer; only the logo, inlined, is an image)."""
    from bilan.entretiens.attendance import logo_data_url

    require_certifiable(bilan)
    c = facts(bilan)
    return render_pdf(
        "documents/certificat_realisation.html",
        {"c": c, "logo": logo_data_url(bilan.organisation)},
        title=f"{_t('Certificat de réalisation')} — {c['beneficiary_name']}",
        author=c["provider_name"],
        footer=f"{c['provider_name']} — {_t('Certificat de réalisation')} — {c['reference']}",
    )


def filename(bilan: Bilan) -> str:
    return f"certificat-realisation-{bilan.reference}.pdf"
