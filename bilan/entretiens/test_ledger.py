"""The hours ledger (issue 14): delivered accompaniment comes from signed attendance only, and
every reader (the bars on the bilan page and the beneficiary's home, the closing checklist, the
completion rate, the certificate, the API) says the same figure."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Bilan, Completion, Phase, StopReason
from bilan.demo.scenario import sign_both
from bilan.demo.testing import add_action, in_conclusions, stub_synthese
from bilan.entretiens.attendance import sign_attendance
from bilan.entretiens.ledger import CONNECTION, hours_ledger
from bilan.entretiens.models import (
    Entretien,
    Modality,
    PresenceKind,
    RemotePresence,
    SignatureMethod,
    SignerRole,
)
from bilan.followup import certificate, closing
from bilan.lib.hours import fmt

SCENARIO_SIGNED = 1050  # the demo scenario's nine entretiens, signed on the day


def held_at(
    bilan: Bilan, *, days_ago: int, minutes: int, modality: str = Modality.IN_PERSON
) -> Entretien:
    start = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=days_ago
    )
    entretien = Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase=Phase.CONCLUSIONS,
        starts_at=start,
        planned_minutes=minutes,
        modality=modality,
    )
    entretien.mark_held(by=bilan.consultant)
    return entretien


def in_conclusions_with_room(bilan: Bilan) -> Bilan:
    """The scenario in conclusions, its personal work left out to make room for more hours."""
    in_conclusions(bilan)
    bilan.plan_hours(by=bilan.consultant, accompaniment_minutes=19 * 60, personal_minutes=0)
    return bilan


def join(entretien: Entretien) -> None:
    RemotePresence.objects.create(
        entretien=entretien,
        user=entretien.bilan.beneficiary,
        kind=PresenceKind.JOIN,
        at=entretien.starts_at,
    )


@pytest.fixture
def mixed(cast: SimpleNamespace) -> SimpleNamespace:
    """The scenario in conclusions, plus: one held and unsigned, one signed late (counts), one
    video session signed without its connection record (does not count), one joined (counts)."""
    bilan = in_conclusions_with_room(cast.bilan)
    unsigned = held_at(bilan, days_ago=5, minutes=120)
    late = held_at(bilan, days_ago=4, minutes=60)
    for signer in (bilan.consultant, bilan.beneficiary):
        sign_attendance(
            entretien=late,
            signer=signer,
            method=SignatureMethod.TYPED,
            typed_name=signer.get_full_name(),
            confirmed=True,
            regularisation_reason="Feuille oubliée, signée au retour",
        )
    no_join = held_at(bilan, days_ago=3, minutes=60, modality=Modality.VIDEO)
    sign_both(no_join, at=no_join.ends_at)
    joined = held_at(bilan, days_ago=1, minutes=90, modality=Modality.VIDEO)
    join(joined)
    sign_both(joined, at=joined.ends_at)
    return SimpleNamespace(bilan=bilan, unsigned=unsigned, late=late, no_join=no_join)


DELIVERED = SCENARIO_SIGNED + 60 + 90


def test_only_signed_held_entretiens_are_delivered(mixed: SimpleNamespace) -> None:
    ledger = hours_ledger(mixed.bilan)
    assert ledger.delivered_accompaniment == DELIVERED
    assert ledger.held_accompaniment == DELIVERED + 120 + 60
    assert [(u.entretien_id, u.missing) for u in ledger.unproven] == [
        (mixed.unsigned.pk, (SignerRole.BENEFICIARY, SignerRole.CONSULTANT)),
        (mixed.no_join.pk, (CONNECTION,)),
    ]
    assert not ledger.all_proven


def test_one_signature_is_not_enough(cast: SimpleNamespace) -> None:
    bilan = in_conclusions_with_room(cast.bilan)
    entretien = held_at(bilan, days_ago=2, minutes=60)
    sign_attendance(
        entretien=entretien,
        signer=bilan.consultant,
        method=SignatureMethod.TYPED,
        typed_name="Camille",
        confirmed=True,
        at=entretien.ends_at,
    )
    ledger = hours_ledger(bilan)
    assert ledger.delivered_accompaniment == SCENARIO_SIGNED
    assert ledger.unproven[0].missing == (SignerRole.BENEFICIARY,)


def test_bars_checklist_certificate_and_completion_rate_read_the_same_ledger(
    mixed: SimpleNamespace, cast: SimpleNamespace, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    bilan = mixed.bilan
    ledger = hours_ledger(bilan)
    assert ledger.delivered_accompaniment == DELIVERED

    # the bars: the bilan page (staff) and the beneficiary's home
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[bilan.pk]))
    assert page.context["budget"].delivered_accompaniment == DELIVERED
    assert fmt(DELIVERED) in page.content.decode()
    assert page.context["budget"].unproven == 180  # shown apart, not counted
    annotated = Bilan.objects.with_hours().get(pk=bilan.pk)
    assert annotated.budget().delivered_accompaniment == DELIVERED
    client.force_login(cast.beneficiary)
    home = client.get(reverse("portal:home"))
    assert home.context["budget"].delivered_accompaniment == DELIVERED

    # the API
    token = ApiToken.issue(cast.consultant)
    api = client.get(f"/api/v1/bilans/{bilan.pk}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert api["hours"]["delivered_accompaniment"] == DELIVERED

    # the closing checklist
    hours = next(i for i in closing.checklist(bilan, Completion.PARTIAL) if i.key == "hours")
    assert hours.detail == f"{fmt(DELIVERED)} réalisées"

    # the completion rate
    assert ledger.planned_accompaniment > 0
    assert round(ledger.completion_rate * ledger.planned_accompaniment) == DELIVERED

    # the certificate, once closed (partially: two entretiens are not proven)
    add_action(bilan)
    stub_synthese(monkeypatch)
    closing.close_bilan(
        bilan=bilan, by=bilan.consultant, completion=Completion.PARTIAL, reason=StopReason.ABSENCE
    )
    bilan.refresh_from_db()
    assert certificate.facts(bilan)["delivered_minutes"] == DELIVERED
    pdf = certificate.certificate_pdf(bilan)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    assert f"{fmt(DELIVERED)} d'accompagnement" in text


def test_the_ceiling_still_counts_unsigned_hours(cast: SimpleNamespace) -> None:
    """Leaving sheets unsigned does not make room under the 24 h ceiling."""
    bilan = in_conclusions_with_room(cast.bilan)
    held_at(bilan, days_ago=5, minutes=120)
    budget = bilan.budget()
    assert budget.held == SCENARIO_SIGNED + 120
    assert budget.held_total > budget.delivered_total
