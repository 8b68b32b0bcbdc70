"""The nightly lifecycle job (django-q2 schedule « bilan-lifecycle-nightly », 0003): for every
ended bilan, the D-15 e-mail offering the export (once per deadline), then the destruction of
each class that is due, unless a legal hold suspends it (logged once per hold).

`nightly(now)` takes the clock as an argument: tests move it forward.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import Bilan
from bilan.lib import emails
from bilan.lifecycle import destruction, logs, retention
from bilan.lifecycle.models import (
    BilanLifecycle,
    ConservationAgreement,
    DestructionLine,
    LegalHold,
    LifecycleEvent,
    Outcome,
)

log = logging.getLogger(__name__)
BATCH = 200  # bilans destroyed per transaction


@dataclass
class NightlyReport:
    bilans: int = 0
    notices: int = 0
    destroyed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    suspended: int = 0
    purged: dict[str, int] = field(default_factory=dict)


def effective_date(item: retention.ClassSchedule, state: BilanLifecycle) -> dt.date | None:
    """When a due class may really go: the work of the bilan not before 15 days after the
    beneficiary was told (REQ-11 f); None while she has not been told."""
    if item.due_on is None:
        return None
    if item.document_class not in retention.AT_END_OF_ACTION:
        return item.due_on
    if state.export_notice_sent_at is None:
        return None
    told = timezone.localdate(state.export_notice_sent_at)
    return max(item.due_on, told + dt.timedelta(days=retention.NOTICE_DAYS))


def send_notice(bilan: Bilan, on: dt.date) -> None:
    emails.export_before_destruction(
        to=bilan.beneficiary,
        bilan=bilan,
        on=on,
        link=settings.SITE_URL + reverse("portal:export_all"),
    )


def nightly(now: dt.datetime | None = None) -> NightlyReport:
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = NightlyReport()
    bilans = list(
        Bilan.objects.filter(closed_on__isnull=False).select_related("organisation", "beneficiary")
    )
    ids = [b.pk for b in bilans]
    states = {s.bilan_id: s for s in BilanLifecycle.objects.filter(bilan_id__in=ids)}
    missing = [BilanLifecycle(bilan_id=i) for i in ids if i not in states]
    BilanLifecycle.objects.bulk_create(missing)
    states.update(
        {
            s.bilan_id: s
            for s in BilanLifecycle.objects.filter(bilan_id__in=[m.bilan_id for m in missing])
        }
    )
    agreements = {
        a.bilan_id: a
        for a in ConservationAgreement.objects.filter(bilan_id__in=ids, withdrawn_at__isnull=True)
    }
    holds = {
        h.bilan_id: h for h in LegalHold.objects.filter(bilan_id__in=ids, lifted_at__isnull=True)
    }
    destroyed: dict[int, dict[str, dt.date]] = defaultdict(dict)
    for bilan_id, document_class, at in DestructionLine.objects.filter(
        certificate__bilan_id__in=ids
    ).values_list("certificate__bilan_id", "destroyed_class", "destroyed_at"):
        destroyed[bilan_id].setdefault(document_class, timezone.localdate(at))
    tables = {}
    due: list[destruction.Due] = []
    for bilan in bilans:
        report.bilans += 1
        if bilan.organisation_id not in tables:
            tables[bilan.organisation_id] = retention.rules_table(bilan.organisation)
        state = states[bilan.pk]
        plan = retention.schedule(
            bilan,
            pick=tables[bilan.organisation_id],
            state=state,
            agreement=agreements.get(bilan.pk),
            destroyed=destroyed[bilan.pk],
        )
        hold = holds.get(bilan.pk)
        if hold is None:
            _notify(bilan, plan, state, today=today, now=now, report=report)
        for item in plan:
            if item.outcome != Outcome.DESTROY or item.destroyed_on is not None:
                continue
            when = effective_date(item, state)
            if when is None or when > today:
                continue
            if hold is not None:
                _suspended(bilan, hold, item, now=now, report=report)
                continue
            due.append(
                destruction.Due(bilan, item.document_class, item.due_on or when, item.rule.source)
            )
    for start in range(0, len(due), BATCH):
        batch = due[start : start + BATCH]
        destruction.destroy(batch, now=now)
        for d in batch:
            report.destroyed[d.document_class] += 1
    report.purged = logs.purge(now)
    log.info("lifecycle nightly: %s", report)
    return report


def _notify(
    bilan: Bilan,
    plan: list[retention.ClassSchedule],
    state: BilanLifecycle,
    *,
    today: dt.date,
    now: dt.datetime,
    report: NightlyReport,
) -> None:
    """The D-15 e-mail, once per deadline (a signed or withdrawn agreement sets a new one)."""
    if state.export_notice_sent_at is not None:
        return
    dates = [
        item.due_on
        for item in plan
        if item.document_class in retention.AT_END_OF_ACTION
        and item.outcome == Outcome.DESTROY
        and item.due_on is not None
        and item.destroyed_on is None
    ]
    if not dates:
        return
    first = min(dates)
    if first - dt.timedelta(days=retention.NOTICE_DAYS) > today:
        return
    on = max(first, today + dt.timedelta(days=retention.NOTICE_DAYS))
    send_notice(bilan, on)
    state.export_notice_sent_at = now
    state.save(update_fields=["export_notice_sent_at"])
    retention.log(bilan, "export_notice_sent", at=now, detail=f"{on:%Y-%m-%d}")
    report.notices += 1


def _suspended(
    bilan: Bilan,
    hold: LegalHold,
    item: retention.ClassSchedule,
    *,
    now: dt.datetime,
    report: NightlyReport,
) -> None:
    """A due class kept by a legal hold: logged once per hold and class."""
    report.suspended += 1
    detail = f"{item.document_class} (hold {hold.pk})"
    if not LifecycleEvent.objects.filter(
        bilan_id=bilan.pk, kind="destruction_suspended", detail=detail
    ).exists():
        retention.log(bilan, "destruction_suspended", at=now, detail=detail)
