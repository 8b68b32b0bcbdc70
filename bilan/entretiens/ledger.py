"""The hours ledger: signed attendance is the single source of delivered hours (REQ-5, REQ-20,
REQ-21, REQ-29; issue 14).

An entretien counts as delivered accompaniment when it is held and proven: the beneficiary's
and the consultant's signatures are both on it and, for a video session, the beneficiary's
connection record (she opened the link from her space) is there too. `proven` is the one
place that says so; the core's hours budget applies it through `bilan.bilans.delivery` (the
hours bars, the 13 h floor), and the closing checklist, the completion rate and the
certificate read `hours_ledger`. Personal work counts from the assignments, kept apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q

from bilan.bilans.models import Bilan, Phase
from bilan.entretiens.models import (
    Attendance,
    Entretien,
    EntretienStatus,
    Modality,
    PresenceKind,
    RemotePresence,
    SignerRole,
)
from bilan.lib.hours import Budget

CONNECTION = "connection"  # what a video entretien lacks without the join record


def signed_by(role: str) -> Exists:
    return Exists(Attendance.objects.filter(entretien=OuterRef("pk"), signer_role=role))


def joined() -> Exists:
    return Exists(
        RemotePresence.objects.filter(
            entretien=OuterRef("pk"), kind=PresenceKind.JOIN, user=OuterRef("bilan__beneficiary")
        )
    )


def proven() -> Q:
    """Held, signed by both parties, and for a video session joined by the beneficiary."""
    return (
        Q(status=EntretienStatus.HELD)
        & Q(signed_by(SignerRole.BENEFICIARY))
        & Q(signed_by(SignerRole.CONSULTANT))
        & (~Q(modality=Modality.VIDEO) | Q(joined()))
    )


@dataclass(frozen=True)
class Unproven:
    """A held entretien whose hours do not count yet, and what it lacks."""

    entretien_id: int
    starts_at: dt.datetime
    phase: str
    minutes: int
    missing: tuple[str, ...]  # SignerRole values and/or CONNECTION


@dataclass(frozen=True)
class HoursLedger:
    budget: Budget
    delivered_accompaniment: int  # minutes held and proven (outside the follow-up)
    held_accompaniment: int  # minutes held, proven or not
    planned_accompaniment: int  # the programme, or what is scheduled if more
    personal_planned: int
    personal_delivered: int
    min_accompaniment: int
    max_total: int
    unproven: tuple[Unproven, ...]  # held accompaniment entretiens not (yet) proven

    @property
    def all_proven(self) -> bool:
        return not self.unproven

    @property
    def reaches_minimum(self) -> bool:
        return self.delivered_accompaniment >= self.min_accompaniment

    @property
    def completion_rate(self) -> Decimal:
        """Signed accompaniment / planned accompaniment, at most 1, to four decimals (REQ-20)."""
        if self.planned_accompaniment <= 0:
            return Decimal(0)
        rate = Decimal(self.delivered_accompaniment) / Decimal(self.planned_accompaniment)
        return min(rate, Decimal(1)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def completion_percent(self) -> Decimal:
        return (self.completion_rate * 100).quantize(Decimal("0.01"))

    def cdc_amount(self, price: Decimal | None) -> Decimal | None:
        """What the CDC pays for a CPF file: price × completion rate, to the cent."""
        if price is None:
            return None
        return (Decimal(price) * self.completion_rate).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def missing_of(entretien: Entretien) -> tuple[str, ...]:
    roles = {a.signer_role for a in entretien.attendances.all()}
    missing = [role for role in SignerRole.values if role not in roles]
    if entretien.modality == Modality.VIDEO and not any(
        p.kind == PresenceKind.JOIN and p.user_id == entretien.bilan.beneficiary_id
        for p in entretien.presences.all()
    ):
        missing.append(CONNECTION)
    return tuple(missing)


def unproven_entretiens(bilan: Bilan) -> list[Entretien]:
    """Held accompaniment entretiens the ledger does not count, in date order."""
    return list(
        bilan.entretiens.filter(status=EntretienStatus.HELD)
        .exclude(phase=Phase.FOLLOW_UP)
        .exclude(proven())
        .select_related("bilan")
        .prefetch_related("attendances", "presences")
        .order_by("starts_at", "id")
    )


def hours_ledger(bilan: Bilan) -> HoursLedger:
    """The bilan's hours, delivered from attendance proofs only; one owner for every reader."""
    budget = bilan.budget()
    unproven = tuple(
        Unproven(
            entretien_id=e.pk,
            starts_at=e.starts_at,
            phase=e.phase,
            minutes=e.held_minutes,
            missing=missing_of(e),
        )
        for e in unproven_entretiens(bilan)
    )
    return HoursLedger(
        budget=budget,
        delivered_accompaniment=budget.delivered_accompaniment,
        held_accompaniment=budget.held,
        planned_accompaniment=budget.accompaniment,
        personal_planned=budget.personal,
        personal_delivered=budget.delivered_personal,
        min_accompaniment=budget.min_accompaniment,
        max_total=budget.max_total,
        unproven=unproven,
    )
