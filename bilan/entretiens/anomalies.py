"""The attendance anomaly report for an organisation's admin (issue 14, REQ-21): the list a
CDC or OPCO controller would draw up — held entretiens not signed by both, late signatures
(« régularisation »), bulk signatures, and per bilan the hours held vs the hours signed — per
consultant and over a period. Administrative facts only, never content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan, Phase
from bilan.entretiens.ledger import hours_ledger, missing_of, proven
from bilan.entretiens.models import Entretien, EntretienStatus

UNSIGNED, LATE, BULK, HOURS = "unsigned", "late", "bulk", "hours"


@dataclass(frozen=True)
class Anomaly:
    kind: str
    consultant_id: int
    consultant: str
    bilan_id: int
    reference: str
    entretien_id: int | None
    day: dt.date | None
    detail: str


def in_period(
    entretiens: object, start: dt.date | None, end: dt.date | None
) -> object:  # a QuerySet of Entretien
    qs = entretiens
    if start is not None:
        qs = qs.filter(starts_at__date__gte=start)  # type: ignore[attr-defined]
    if end is not None:
        qs = qs.filter(starts_at__date__lte=end)  # type: ignore[attr-defined]
    return qs


def attendance_anomalies(
    organisation_id: int, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[Anomaly]:
    """Every anomaly of the organisation's bilans over [start, end], by consultant then date."""
    found: list[Anomaly] = []
    base = Entretien.objects.filter(
        bilan__organisation_id=organisation_id, status=EntretienStatus.HELD
    ).exclude(phase=Phase.FOLLOW_UP)
    held = in_period(base, start, end)
    rows = (
        held.select_related("bilan__consultant")  # type: ignore[attr-defined]
        .prefetch_related("attendances", "presences")
        .annotate(is_proven=Exists(Entretien.objects.filter(proven(), pk=OuterRef("pk"))))
        .order_by("starts_at", "id")
    )
    bilans: dict[int, Bilan] = {}
    for e in rows:
        bilan = e.bilan
        bilans[bilan.pk] = bilan

        def add(kind: str, detail: str, e: Entretien = e, bilan: Bilan = bilan) -> None:
            found.append(
                Anomaly(
                    kind=kind,
                    consultant_id=bilan.consultant_id,
                    consultant=bilan.consultant.get_full_name(),
                    bilan_id=bilan.pk,
                    reference=bilan.reference,
                    entretien_id=e.pk,
                    day=timezone.localdate(e.starts_at),
                    detail=detail,
                )
            )

        if not e.is_proven:
            add(UNSIGNED, _t("manque : %(m)s") % {"m": ", ".join(missing_of(e))})
        for a in e.attendances.all():
            if a.regularisation:
                add(
                    LATE,
                    _t("%(role)s, signé le %(d)s : %(r)s")
                    % {
                        "role": a.get_signer_role_display(),
                        "d": f"{timezone.localtime(a.signed_at):%d/%m/%Y %H:%M}",
                        "r": a.regularisation_reason,
                    },
                )
            if a.bulk:
                add(
                    BULK,
                    _t("%(role)s, signature groupée le %(d)s")
                    % {
                        "role": a.get_signer_role_display(),
                        "d": f"{timezone.localtime(a.signed_at):%d/%m/%Y %H:%M:%S}",
                    },
                )
    for bilan in bilans.values():
        ledger = hours_ledger(bilan)
        if ledger.held_accompaniment != ledger.delivered_accompaniment:
            found.append(
                Anomaly(
                    kind=HOURS,
                    consultant_id=bilan.consultant_id,
                    consultant=bilan.consultant.get_full_name(),
                    bilan_id=bilan.pk,
                    reference=bilan.reference,
                    entretien_id=None,
                    day=None,
                    detail=_t("%(held)s min tenues, %(signed)s min émargées")
                    % {
                        "held": ledger.held_accompaniment,
                        "signed": ledger.delivered_accompaniment,
                    },
                )
            )
    found.sort(key=lambda a: (a.consultant, a.reference, a.day or dt.date.max, a.kind))
    return found
