"""Access and security logs kept to their retention (issue 16, item 9): the nightly job
destroys audit events and login logs older than the JOURNAUX_SECURITE rule (12 months)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

from bilan.compliance.models import AuditEvent
from bilan.lifecycle import logs, tasks
from bilan.lifecycle.models import RetentionRule


def trail(cast: SimpleNamespace) -> None:
    AuditEvent.objects.create(
        actor_id=cast.consultant.pk,
        actor_email=cast.consultant.email,
        actor_role="consultant",
        organisation_id=cast.org.pk,
        bilan_id=cast.bilan.pk,
        action=AuditEvent.Action.READ,
        object_type="exchanges.JournalEntry",
        object_id="1",
    )
    AccessLog.objects.create(username=cast.consultant.email, ip_address="127.0.0.1")
    AccessAttempt.objects.create(
        username="x@y.test", ip_address="127.0.0.1", failures_since_start=1
    )


def test_the_logs_go_after_twelve_months(cast: SimpleNamespace) -> None:
    trail(cast)
    now = timezone.now()
    assert tasks.nightly(now + dt.timedelta(days=330)).purged == {
        "compliance.AuditEvent": 0,
        "axes.AccessLog": 0,
        "axes.AccessAttempt": 0,
        "axes.AccessFailureLog": 0,
    }
    assert AuditEvent.objects.count() == 1
    report = tasks.nightly(now + dt.timedelta(days=370))
    assert report.purged["compliance.AuditEvent"] == 1
    assert report.purged["axes.AccessLog"] == 1 and report.purged["axes.AccessAttempt"] == 1
    assert not AuditEvent.objects.exists() and not AccessLog.objects.exists()


def test_the_retention_comes_from_the_rules_table(cast: SimpleNamespace) -> None:
    trail(cast)
    RetentionRule.objects.filter(data_class="journaux_securite").update(duration_months=6)
    now = timezone.now()
    assert logs.cutoff(now + dt.timedelta(days=200)) is not None
    assert tasks.nightly(now + dt.timedelta(days=200)).purged["compliance.AuditEvent"] == 1


def test_a_keep_rule_purges_nothing(cast: SimpleNamespace) -> None:
    trail(cast)
    RetentionRule.objects.filter(data_class="journaux_securite").update(outcome="keep")
    assert tasks.nightly(timezone.now() + dt.timedelta(days=900)).purged == {}
    assert AuditEvent.objects.count() == 1
