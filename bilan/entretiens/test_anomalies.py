"""The attendance anomaly report (issue 14): unsigned held entretiens, late and bulk
signatures, hours held vs signed, per consultant and period; admins only, page and API."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import ApiToken
from bilan.entretiens.anomalies import BULK, HOURS, LATE, UNSIGNED, attendance_anomalies
from bilan.entretiens.test_ledger import mixed  # noqa: F401 - the fixture


def test_the_report_lists_what_a_controller_would(
    mixed: SimpleNamespace,  # noqa: F811
    cast: SimpleNamespace,
) -> None:
    rows = attendance_anomalies(cast.org.pk)
    kinds = {(r.kind, r.entretien_id) for r in rows}
    assert (UNSIGNED, mixed.unsigned.pk) in kinds
    assert (UNSIGNED, mixed.no_join.pk) in kinds
    assert (LATE, mixed.late.pk) in kinds
    hours = [r for r in rows if r.kind == HOURS]
    assert len(hours) == 1 and "émargées" in hours[0].detail
    assert {r.consultant for r in rows} == {"Claire Conseil"}
    # the period: only the last days
    recent = attendance_anomalies(cast.org.pk, start=timezone.localdate() - dt.timedelta(days=3))
    assert (UNSIGNED, mixed.unsigned.pk) not in {(r.kind, r.entretien_id) for r in recent}
    assert not attendance_anomalies(cast.outsider_org.pk)
    assert BULK not in {r.kind for r in rows}


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("consultant", 403), ("beneficiary", 403)]
)
def test_only_the_admin_reads_the_report(
    mixed: SimpleNamespace,  # noqa: F811
    cast: SimpleNamespace,
    client: Client,
    who: str,
    status: int,
) -> None:
    client.force_login(getattr(cast, who))
    page = client.get(reverse("entretiens:attendance_anomalies"))
    assert page.status_code == status
    api = Client().get(
        "/api/v1/attendance-anomalies",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(getattr(cast, who))}",
    )
    assert api.status_code == status
    if status == 200:
        assert 'id="anomalies"' in page.content.decode()
        assert {r["kind"] for r in api.json()} >= {UNSIGNED, LATE, HOURS}
