"""The certificat de réalisation (ministry model; REQ-29, L6313-1, arrêté du 21/12/2018).

An administrative document, the one a funder receives: who (beneficiary, provider with SIRET
and NDA), what (nature « bilan de compétences »), when (first held entretien to the end date),
how long (hours delivered, from signed attendance: the hours ledger, with the « assiduité »
hours). Never any content of the bilan: it is built only from the fields gathered in `facts`,
so nothing else can reach the PDF.

Each issue is a numbered CertificateVersion holding the facts it stated: the first is issued
on the first download, a later one only by `reissue` with a reason; no version is ever
overwritten, and each can be downloaded again as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan, Completion, Phase, RuleViolation, Status
from bilan.entretiens.attendance import logo_data_url
from bilan.entretiens.ledger import hours_ledger
from bilan.entretiens.models import EntretienStatus
from bilan.followup.actionplan import membership_of
from bilan.followup.models import CertificateVersion
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
        # « assiduité »: the hours of attendance signed by both parties, out of the planned
        "attendance_minutes": ledger.delivered_accompaniment,
        "planned_minutes": ledger.planned_accompaniment,
        "completion_percent": str(ledger.completion_percent),
        "personal_minutes": ledger.personal_delivered,
        "partial": bilan.completion == Completion.PARTIAL,
        "funding_route": str(bilan.get_funding_route_display()),
        "funding_reference": bilan.funding_reference,
        "consultant_name": bilan.consultant.get_full_name(),
        "issued_on": bilan.closed_on,
    }


DATES = ("start_on", "end_on", "issued_on")


def stored(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if k in DATES and v else v) for k, v in values.items()}


def loaded(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (dt.date.fromisoformat(v) if k in DATES and isinstance(v, str) else v)
        for k, v in values.items()
    }


def versions(bilan: Bilan) -> list[CertificateVersion]:
    return list(CertificateVersion.objects.filter(bilan=bilan).order_by("number"))


def current(bilan: Bilan, by: Any = None) -> CertificateVersion:
    """The latest version; the first download issues version 1."""
    require_certifiable(bilan)
    with transaction.atomic():
        Bilan.objects.select_for_update().filter(pk=bilan.pk).first()
        latest = CertificateVersion.objects.filter(bilan=bilan).order_by("-number").first()
        if latest is not None:
            return latest
        return CertificateVersion.objects.create(
            bilan=bilan, number=1, facts=stored(facts(bilan)), issued_by=by
        )


def reissue(bilan: Bilan, *, by: Any, reason: str) -> CertificateVersion:
    """A new numbered version with today's facts and the reason; the old ones stay."""
    require_certifiable(bilan)
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise RuleViolation(_t("Indiquez le motif de la réédition du certificat."), code="invalid")
    membership = membership_of(by)
    is_admin = (
        membership is not None
        and membership.organisation_id == bilan.organisation_id
        and membership.is_admin
    )
    if not (bilan.is_assigned_consultant(by) or is_admin):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan ou l'administration réédite le certificat."),
            code="forbidden",
        )
    with transaction.atomic():
        Bilan.objects.select_for_update().filter(pk=bilan.pk).first()
        latest = CertificateVersion.objects.filter(bilan=bilan).order_by("-number").first()
        values = facts(bilan)
        values["issued_on"] = timezone.localdate()
        return CertificateVersion.objects.create(
            bilan=bilan,
            number=(latest.number + 1) if latest else 1,
            facts=stored(values),
            reason=reason,
            issued_by=by,
        )


def certificate_pdf(bilan: Bilan, version: CertificateVersion | None = None) -> bytes:
    """A version of the certificate as a PDF (the latest by default), as it was issued (the
    one PDF renderer; only the logo, inlined, is an image)."""

    version = version or current(bilan)
    c = loaded(version.facts)
    c["version"] = version.number
    c["reissue_reason"] = version.reason
    return render_pdf(
        "documents/certificat_realisation.html",
        {"c": c, "logo": logo_data_url(bilan.organisation)},
        title=f"{_t('Certificat de réalisation')} — {c['beneficiary_name']}",
        author=c["provider_name"],
        footer=f"{c['provider_name']} — {_t('Certificat de réalisation')} — {c['reference']}",
    )


def filename(bilan: Bilan, version: CertificateVersion | None = None) -> str:
    suffix = f"-v{version.number}" if version and version.number > 1 else ""
    return f"certificat-realisation-{bilan.reference}{suffix}.pdf"


def bundle_part(bilan: Bilan) -> list[Any]:
    """Every version of the certificate, for the proof bundle (none before closing)."""
    from bilan.entretiens.proof import BundleFile  # why: the bundle registers us lazily

    if bilan.status not in CERTIFIED or bilan.closed_on is None:
        return []
    current(bilan)
    return [
        BundleFile(
            name=filename(bilan, v).replace(".pdf", f"-v{v.number}.pdf")
            if v.number == 1
            else filename(bilan, v),
            label=_t("Certificat de réalisation, version %(n)s") % {"n": v.number}
            + (f" ({v.reason})" if v.reason else ""),
            content=certificate_pdf(bilan, v),
        )
        for v in versions(bilan)
    ]
