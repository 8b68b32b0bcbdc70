"""What a funder sees (REQ-16, REQ-30): the bilans its funding shares tie it to, and of each
only administrative data — convention status, session dates, attendance hours, completion,
start / interruption / exit events with dates (reason category only), the certificat de
réalisation. Never content: the fields below are chosen one by one, none is a content model's.
The one owner of a funder's reach: `funded_bilans` and `funded_bilan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.http import Http404
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, Phase, Status, StatusChange, StopReason
from bilan.entretiens.models import Entretien, EntretienStatus
from bilan.followup.certificate import CERTIFIED
from bilan.organisations.models import FUNDER_ROLES

# Which status changes are the ENTREE / INTERRUPTION / SORTIE events (L6353-10).
EVENTS: dict[str, str] = {
    Status.PRELIMINARY: "entree",
    Status.INTERRUPTED: "interruption",
    Status.ABANDONED: "sortie",
    Status.CLOSED: "sortie",
}
EVENT_LABELS = {"entree": "entrée", "interruption": "interruption", "sortie": "sortie"}
# Hook for the convention's status (issue 13 item 7 builds the Agreement).
NO_CONVENTION = "sans convention enregistrée"


@dataclass(frozen=True)
class Session:
    starts_at: dt.datetime
    planned_minutes: int
    phase: str
    status: str


@dataclass(frozen=True)
class Event:
    kind: str
    label: str
    on: dt.date
    reason_category: str


@dataclass(frozen=True)
class FundedBilan:
    id: int
    reference: str
    beneficiary_name: str
    status: str
    status_label: str
    completion: str
    convention_status: str
    attendance_minutes: int
    sessions: list[Session] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    certificate_available: bool = False


def is_funder(user: User) -> bool:
    membership = getattr(user, "membership", None)
    return membership is not None and membership.role in FUNDER_ROLES


def bilans_of(user: User) -> list[Bilan]:
    """The bilans of the funder's organisation whose funding share names this account."""
    membership = getattr(user, "membership", None)
    if membership is None or membership.role not in FUNDER_ROLES:
        return []
    return list(
        Bilan.objects.filter(
            organisation_id=membership.organisation_id, funding__shares__funder=user
        )
        .select_related("beneficiary")
        .distinct()
        .order_by("-opened_on", "-id")
    )


def summary(bilan: Bilan) -> FundedBilan:
    entretiens = bilan.entretiens.exclude(phase=Phase.FOLLOW_UP).order_by("starts_at")
    held = entretiens.filter(status=EntretienStatus.HELD).aggregate(m=Sum("held_minutes"))
    events = [
        Event(
            kind=EVENTS[c.to_status],
            label=_t(EVENT_LABELS[EVENTS[c.to_status]]),
            on=c.at.date(),
            reason_category=str(StopReason(c.reason).label) if c.reason else "",
        )
        for c in StatusChange.objects.filter(bilan=bilan, to_status__in=list(EVENTS)).order_by("at")
        if not (c.to_status == Status.PRELIMINARY and c.from_status != Status.ENQUIRY)
    ]
    return FundedBilan(
        id=bilan.pk,
        reference=bilan.reference,
        beneficiary_name=bilan.beneficiary.get_full_name(),
        status=bilan.status,
        status_label=str(bilan.get_status_display()),
        completion=str(bilan.get_completion_display()) if bilan.completion else "",
        convention_status=_t(NO_CONVENTION),
        attendance_minutes=held["m"] or 0,
        sessions=[
            Session(
                e.starts_at,
                e.planned_minutes,
                str(e.get_phase_display()),
                str(e.get_status_display()),
            )
            for e in entretiens
            if isinstance(e, Entretien)
        ],
        events=events,
        certificate_available=bilan.status in CERTIFIED and bilan.closed_on is not None,
    )


def funded_bilans(user: User) -> list[FundedBilan]:
    return [summary(b) for b in bilans_of(user)]


def funded_bilan(user: User, pk: int) -> Bilan:
    """The bilan `pk` if a share of it names this funder account, else 404."""
    for bilan in bilans_of(user):
        if bilan.pk == pk:
            return bilan
    raise Http404
