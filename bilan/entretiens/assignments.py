"""Travail inter-session: the consultant gives work between entretiens, the beneficiary does it.

Estimates count as personal work in the hours budget (`Bilan.budget()`), so giving work is
refused over the 24 h ceiling like any other plan. Reading assignments is reading content:
every read by someone other than the beneficiary writes an audit row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.access import can_read_content
from bilan.bilans.models import IN_PHASE_STATUSES, Bilan, RuleViolation
from bilan.compliance.audit import record_content_access
from bilan.entretiens.models import Assignment, AssignmentKind, Entretien, EntretienStatus
from bilan.lib.dates import check_person_date


def closing_items(entretien: Entretien) -> list[dict]:
    """The closing items ({id, text}) of the guide interview the entretien follows."""
    if entretien.guide is None:
        return []
    interview = entretien.guide.interview(entretien.interview_key) or {}
    return interview.get("closing_items", [])


def closing_item_text(entretien: Entretien, item_id: str) -> str | None:
    return next((i["text"] for i in closing_items(entretien) if i.get("id") == item_id), None)


def assign_work(
    *,
    bilan: Bilan,
    by: User,
    title: str,
    instructions: str,
    kind: str,
    estimated_minutes: int,
    due_on: dt.date | None,
    entretien: Entretien | None = None,
    closing_item: str = "",
) -> Assignment:
    """Give the beneficiary work to do before a date, within the 24 h ceiling (L6313-4)."""
    bilan._authorise(by, "assign_work")
    if entretien is not None and entretien.bilan_id != bilan.pk:
        raise RuleViolation(_t("Cet entretien n'appartient pas à ce bilan."), code="invalid")
    if closing_item:
        item_text = closing_item_text(entretien, closing_item) if entretien else None
        if item_text is None:
            raise RuleViolation(
                _t("Cet item de clôture n'existe pas dans le guide de l'entretien."),
                code="invalid",
            )
        title = title.strip() or item_text
    title = title.strip()
    if not title:
        raise RuleViolation(_t("Indiquez un intitulé."), code="invalid")
    if kind not in AssignmentKind.values:
        raise RuleViolation(_t("Choisissez un type de travail dans la liste."), code="invalid")
    if estimated_minutes < 0:
        raise RuleViolation(_t("Une durée ne peut pas être négative."), code="invalid")
    if due_on is not None and due_on < timezone.localdate():
        raise RuleViolation(
            _t("La date « à faire pour le » est passée : choisissez aujourd'hui ou plus tard."),
            code="invalid",
        )
    check_person_date(due_on, label=_t("à faire pour le"))
    with transaction.atomic():
        locked = bilan._locked()
        locked._require_status(*IN_PHASE_STATUSES, action=_t("confier un travail inter-session"))
        budget = locked.budget()
        given, _done = locked.assignment_minutes()
        locked.check_budget(
            replace(
                budget,
                planned_personal=max(locked.planned_personal_minutes, given + estimated_minutes),
            ),
            what=_t("Travail inter-session refusé"),
        )
        return Assignment.objects.create(
            bilan=locked,
            entretien=entretien,
            closing_item=closing_item,
            title=title,
            instructions=instructions.strip(),
            kind=kind,
            estimated_minutes=estimated_minutes,
            due_on=due_on,
            created_by=by,
        )


def complete_assignment(*, assignment: Assignment, by: User, comment: str = "") -> None:
    """The beneficiary marks the work done; its estimate then counts as personal work done."""
    _set_done(assignment, by=by, done=True, comment=comment)


def reopen_assignment(*, assignment: Assignment, by: User) -> None:
    """The beneficiary takes back work marked done (their comment is kept)."""
    _set_done(assignment, by=by, done=False)


def _set_done(assignment: Assignment, *, by: User, done: bool, comment: str = "") -> None:
    assignment.bilan._authorise(by, "complete_assignment")
    with transaction.atomic():
        bilan = assignment.bilan._locked()
        bilan._require_status(
            *IN_PHASE_STATUSES,
            action=_t("marquer ce travail comme fait") if done else _t("rouvrir ce travail"),
        )
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if done and locked.done_at is not None:
            raise RuleViolation(_t("Ce travail est déjà marqué comme fait."))
        if not done and locked.done_at is None:
            raise RuleViolation(_t("Ce travail n'est pas marqué comme fait."))
        locked.done_at = timezone.now() if done else None
        fields = ["done_at"]
        if done:
            locked.beneficiary_comment = comment.strip()
            fields.append("beneficiary_comment")
        locked.save(update_fields=fields)
    assignment.refresh_from_db()


# ---- reading ------------------------------------------------------------------------------


def mark_late(assignments: Iterable[Assignment]) -> list[Assignment]:
    """Set `late` on each: open and due before today (« en retard »)."""
    today = timezone.localdate()
    items = list(assignments)
    for a in items:
        a.late = a.done_at is None and a.due_on is not None and a.due_on < today
    return items


def _audited(reader, bilan: Bilan, items: list[Assignment], channel: str) -> list[Assignment]:
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "Le travail inter-session est réservé au ou à la bénéficiaire et à son ou sa "
                "consultant·e."
            )
        )
    record_content_access(actor=reader, bilan=bilan, objects=items, channel=channel)
    return mark_late(items)


def read_assignments(*, reader, bilan: Bilan, channel: str = "web") -> list[Assignment]:
    """The bilan's assignments by due date, for the beneficiary or the assigned consultant;
    the consultant's read is audited."""
    items = list(bilan.assignments.select_related("entretien").order_by("due_on", "id"))
    return _audited(reader, bilan, items, channel)


def read_assignment(*, reader, assignment: Assignment, channel: str = "web") -> Assignment:
    return _audited(reader, assignment.bilan, [assignment], channel)[0]


def get_assignment_for_user(user, pk: int) -> Assignment:
    """The assignment `pk` of a bilan `user` may see, else 404 (its existence is not told)."""
    try:
        return (
            Assignment.objects.filter(bilan__in=Bilan.objects.for_user(user))
            .select_related("bilan__beneficiary", "bilan__consultant", "bilan__organisation")
            .get(pk=pk)
        )
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def open_assignments(bilan: Bilan) -> list[Assignment]:
    """What the beneficiary still has to do, by due date (for their « Ce que j'ai à faire »)."""
    return mark_late(bilan.assignments.open().order_by("due_on", "id"))


@dataclass
class SinceLastTime:
    """Work done or due since the last held entretien (all of it before the first)."""

    since: dt.datetime | None
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def done(self) -> list[Assignment]:
        return [a for a in self.assignments if a.done_at is not None]

    @property
    def not_done(self) -> list[Assignment]:
        return [a for a in self.assignments if a.done_at is None]

    @property
    def done_minutes(self) -> int:
        return sum(a.estimated_minutes for a in self.done)


def since_last_time(
    bilan: Bilan,
    *,
    reader=None,
    before: Entretien | None = None,
) -> SinceLastTime:
    """« Depuis la dernière fois »: assignments done since the last held entretien, or due
    between it and today. Pass `reader` (the user who will see them) to audit their read, and
    `before` (the entretien being conducted) to look back from it rather than from now."""
    held = Entretien.objects.filter(bilan=bilan, status=EntretienStatus.HELD)
    if before is not None:
        held = held.filter(starts_at__lt=before.starts_at).exclude(pk=before.pk)
    last = held.order_by("-starts_at").first()
    since = last.starts_at if last else None
    today = timezone.localdate()
    due = Q(due_on__lte=today)
    done = Q(done_at__isnull=False)
    if since is not None:
        due &= Q(due_on__gte=timezone.localtime(since).date())
        done &= Q(done_at__gte=since)
    items = list(bilan.assignments.filter(due | done).order_by("due_on", "id"))
    if reader is not None:
        items = _audited(reader, bilan, items, "web")
    else:
        items = mark_late(items)
    return SinceLastTime(since=since, assignments=items)


# ---- dashboards (dates and names only, no content: nothing to audit) -------------------------

RECENT_DAYS = 7


def overdue_assignments(bilans) -> list[Assignment]:
    """Open work past its due date on bilans still in their phases, oldest first (one query)."""
    return list(
        Assignment.objects.overdue()
        .filter(bilan__in=bilans, bilan__status__in=IN_PHASE_STATUSES)
        .select_related("bilan__beneficiary")
        .order_by("due_on", "id")[:20]
    )


def done_recently(bilans) -> int:
    """How many assignments were marked done over the last RECENT_DAYS days (one query)."""
    since = timezone.now() - dt.timedelta(days=RECENT_DAYS)
    return Assignment.objects.filter(bilan__in=bilans, done_at__gte=since).count()
