"""Security and access logs kept to their retention (JOURNAUX_SECURITE, REQ-54: CNIL
délibération 2021-122, 6 months to 1 year): the nightly job destroys the audit trail's rows
(compliance.integrity.purge_audit_events, the one maintenance path of the append-only table)
and the login hardening's logs (django-axes) older than the rule in force."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from bilan.bilans.content import DocumentClass
from bilan.compliance.integrity import purge_audit_events
from bilan.lifecycle.models import Outcome
from bilan.lifecycle.retention import add_months, rules_table


def cutoff(now: dt.datetime) -> dt.datetime | None:
    """Rows recorded before this moment are past their retention; None: the rule keeps them."""
    rule = rules_table(None)(DocumentClass.JOURNAUX_SECURITE, "", now.date())
    if rule.outcome != Outcome.DESTROY or not rule.duration_months:
        return None
    day = add_months(now.date(), -rule.duration_months)
    return now.replace(year=day.year, month=day.month, day=day.day)


def purge(now: dt.datetime) -> dict[str, int]:
    """Destroy the security logs past their retention; the count per log."""
    before = cutoff(now)
    if before is None:
        return {}
    return {
        "compliance.AuditEvent": purge_audit_events(before=before),
        "axes.AccessLog": AccessLog.objects.filter(attempt_time__lt=before).delete()[0],
        "axes.AccessAttempt": AccessAttempt.objects.filter(attempt_time__lt=before).delete()[0],
        "axes.AccessFailureLog": AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[
            0
        ],
    }
