"""Closing declares service fait from the ledger (issue 14, REQ-5, REQ-20): « réalisé en
totalité » needs every held entretien signed by both and the minimum of signed hours;
otherwise « réalisation partielle » with a reason, the completion rate and the CDC amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import Bilan, Completion, Phase, RuleViolation, Status, StopReason
from bilan.demo.testing import add_action, in_conclusions, stub_synthese
from bilan.entretiens.models import CancelReason, Entretien
from bilan.followup import closing


@pytest.fixture
def ready(cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Bilan:
    bilan = in_conclusions(cast.bilan)
    bilan.plan_hours(by=bilan.consultant, accompaniment_minutes=19 * 60, personal_minutes=0)
    add_action(bilan)
    stub_synthese(monkeypatch)
    return bilan


def unsigned(bilan: Bilan, *, days_ago: int = 1, minutes: int = 60) -> Entretien:
    start = timezone.now().replace(hour=15, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=days_ago
    )
    entretien = Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase=Phase.CONCLUSIONS,
        starts_at=start,
        planned_minutes=minutes,
    )
    entretien.mark_held(by=bilan.consultant)
    return entretien


def test_full_completion_is_refused_while_a_held_entretien_is_unsigned(ready: Bilan) -> None:
    entretien = unsigned(ready)
    day = f"{timezone.localtime(entretien.starts_at):%d/%m/%Y}"
    with pytest.raises(RuleViolation) as refused:
        closing.close_bilan(bilan=ready, by=ready.consultant)
    assert refused.value.missing == [
        "l'émargement des deux parties pour chaque entretien tenu "
        f"(1 entretien(s) tenu(s) sans émargement complet : {day})"
    ]
    ready.refresh_from_db()
    assert ready.status == Status.CONCLUSIONS


def test_partial_completion_closes_with_the_rate_from_signed_hours(ready: Bilan) -> None:
    unsigned(ready, minutes=120)
    done = closing.realisation(ready)
    assert not done.full_possible
    # 17 h 30 signed; planned: the programme 19 h or the 19 h 30 scheduled
    assert done.ledger.delivered_accompaniment == 1050
    assert done.ledger.planned_accompaniment == 1170
    assert done.completion_rate == Decimal("0.8974")
    closing.close_bilan(
        bilan=ready, by=ready.consultant, completion=Completion.PARTIAL, reason=StopReason.ABSENCE
    )
    ready.refresh_from_db()
    assert (ready.status, ready.completion) == (Status.CLOSED, Completion.PARTIAL)


def test_the_cdc_amount_is_the_price_times_the_rate(
    ready: Bilan, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsigned(ready, minutes=120)
    assert closing.realisation(ready).cdc_amount is None  # no price on the bilan: none shown
    monkeypatch.setattr(closing, "price_of", lambda bilan: Decimal("1500.00"))
    assert closing.realisation(ready).cdc_amount == Decimal("1346.10")


def test_the_partial_reason_is_suggested_from_the_attendance_record(ready: Bilan) -> None:
    assert closing.suggested_reason(ready) == ""
    start = timezone.now() + dt.timedelta(days=3)
    missed = Entretien.schedule(
        bilan=ready, by=ready.consultant, starts_at=start, planned_minutes=60
    )
    missed.cancel(by=ready.consultant, missed=True)
    assert closing.suggested_reason(ready) == StopReason.ABSENCE
    other = Entretien.schedule(
        bilan=ready, by=ready.consultant, starts_at=start + dt.timedelta(days=1), planned_minutes=60
    )
    other.cancel(by=ready.consultant, reason=CancelReason.FORCE_MAJEURE)
    assert closing.suggested_reason(ready) == StopReason.FORCE_MAJEURE
    assert closing.EDOF_REASON[StopReason.FORCE_MAJEURE] == closing.FORCE_MAJEURE


def test_the_closing_page_shows_the_rate_and_proposes_partial(
    ready: Bilan, cast: SimpleNamespace, client: Client
) -> None:
    unsigned(ready, minutes=120)
    client.force_login(cast.consultant)
    page = client.get(reverse("followup:close", args=[ready.pk]))
    html = page.content.decode()
    assert 'id="partial-only"' in html and "89.74 %" in html.replace(",", ".")
    assert page.context["form"].initial["completion"] == "partial"
