"""Overlaps refused and held times checked (issue 14): a consultant or a beneficiary cannot
have two entretiens at once (the refusal names the other one), held times are neither in the
future nor before the booking, nor longer than planned + the organisation's tolerance; an
entretien held earlier or shorter is recorded with its real times. Page and API alike."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import ApiToken
from bilan.bilans.models import RuleViolation
from bilan.bilans.testing import make_bilan
from bilan.entretiens.models import (
    AttendancePolicy,
    Entretien,
    EntretienStatus,
    Modality,
    Overlap,
)

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 1, day, hour, minute, tzinfo=PARIS)


def book(bilan, starts_at: dt.datetime, minutes: int = 90, **extra) -> Entretien:
    return Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        starts_at=starts_at,
        planned_minutes=minutes,
        modality=Modality.IN_PERSON,
        place="Salle 2",
        invite=True,
        **extra,
    )


def test_a_consultant_cannot_have_two_entretiens_at_once(cast: SimpleNamespace) -> None:
    second_bilan = make_bilan(cast.org, cast.other_beneficiary, cast.consultant)
    book(cast.bilan, at(10, 10))  # 10h00-11h30
    with pytest.raises(Overlap) as refused:
        book(second_bilan, at(10, 11))
    assert refused.value.messages == [
        "Ce créneau chevauche un autre entretien du ou de la consultant·e : phase préliminaire "
        f"du 10/01/2030, de 10h00 à 11h30 ({cast.bilan.reference}). Choisissez un autre horaire."
    ]
    assert not second_bilan.entretiens.exists()
    book(second_bilan, at(10, 11, 30))  # right after: no overlap


def test_a_beneficiary_cannot_have_two_entretiens_at_once(cast: SimpleNamespace) -> None:
    with_colleague = make_bilan(cast.org, cast.beneficiary, cast.colleague)
    book(cast.bilan, at(10, 10))
    with pytest.raises(Overlap, match="un autre entretien du ou de la bénéficiaire"):
        book(with_colleague, at(10, 9, 30))
    assert not with_colleague.entretiens.exists()


def test_cancelled_entretiens_free_their_slot(cast: SimpleNamespace) -> None:
    first = book(cast.bilan, at(10, 10))
    first.cancel(by=cast.consultant)
    book(cast.bilan, at(10, 10))


def test_rescheduling_onto_another_entretien_is_refused(cast: SimpleNamespace) -> None:
    book(cast.bilan, at(10, 10))
    other = book(cast.bilan, at(11, 10))
    with pytest.raises(Overlap, match="de 10h00 à 11h30"):
        other.reschedule(
            by=cast.consultant,
            starts_at=at(10, 11),
            planned_minutes=60,
            modality=Modality.IN_PERSON,
            place="Salle 2",
        )
    other.refresh_from_db()
    assert other.starts_at == at(11, 10)
    other.reschedule(  # moving within its own slot is no overlap with itself
        by=cast.consultant,
        starts_at=at(11, 10, 30),
        planned_minutes=60,
        modality=Modality.IN_PERSON,
        place="Salle 2",
    )


def test_the_api_refuses_an_overlap_with_409_and_the_message(cast: SimpleNamespace) -> None:
    book(cast.bilan, at(10, 10))
    response = Client().post(
        f"/api/v1/bilans/{cast.bilan.pk}/entretiens",
        data=json.dumps(
            {
                "starts_at": "2030-01-10T10:30:00+01:00",
                "planned_minutes": 60,
                "modality": "in_person",
                "place": "Salle 2",
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast.consultant)}",
    )
    assert response.status_code == 409
    assert "chevauche un autre entretien" in response.json()["detail"]
    assert cast.bilan.entretiens.count() == 1


def test_the_page_refuses_an_overlap_in_french(cast: SimpleNamespace, client: Client) -> None:
    book(cast.bilan, at(10, 10))
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {
            "interview": "",
            "title": "",
            "date": "2030-01-10",
            "time": "11:00",
            "duration": "1",
            "modality": "in_person",
            "place": "Salle 2",
        },
    )
    assert "chevauche un autre entretien" in response.content.decode()
    assert cast.bilan.entretiens.count() == 1


# ---- held times ---------------------------------------------------------------------------


def past(cast: SimpleNamespace, *, hours_ago: float = 3, minutes: int = 60) -> Entretien:
    """An entretien booked a day before it took place (booked_at set as a real booking is)."""
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    entretien = Entretien.schedule(
        bilan=cast.bilan, by=cast.consultant, starts_at=start, planned_minutes=minutes
    )
    Entretien.objects.filter(pk=entretien.pk).update(booked_at=start - dt.timedelta(days=1))
    entretien.refresh_from_db()
    return entretien


def test_a_held_end_in_the_future_is_refused(cast: SimpleNamespace) -> None:
    entretien = past(cast)
    with pytest.raises(RuleViolation, match="ne peut être dans le futur"):
        entretien.mark_held(
            by=cast.consultant,
            actual_start=entretien.starts_at,
            actual_end=timezone.now() + dt.timedelta(hours=1),
        )
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_a_held_start_before_the_booking_is_refused(cast: SimpleNamespace) -> None:
    entretien = past(cast)
    booked = entretien.booked_at
    assert booked is not None
    with pytest.raises(RuleViolation, match="précède la prise du rendez-vous"):
        entretien.mark_held(
            by=cast.consultant,
            actual_start=booked - dt.timedelta(hours=2),
            actual_end=booked - dt.timedelta(hours=1),
        )
    entretien.refresh_from_db()
    assert entretien.status == EntretienStatus.PLANNED


def test_longer_than_planned_plus_the_tolerance_is_refused(cast: SimpleNamespace) -> None:
    entretien = past(cast, minutes=60)
    with pytest.raises(RuleViolation, match=r"durée prévue 1 h \+ 15 min de tolérance"):
        entretien.mark_held(by=cast.consultant, held_minutes=76)
    entretien.mark_held(by=cast.consultant, held_minutes=75)
    assert entretien.held_minutes == 75


def test_the_tolerance_is_the_organisations_dated_setting(cast: SimpleNamespace) -> None:
    AttendancePolicy.objects.create(
        organisation=cast.org, effective_from=dt.date(2020, 1, 1), held_tolerance_minutes=30
    )
    entretien = past(cast, minutes=60)
    entretien.mark_held(by=cast.consultant, held_minutes=90)
    assert entretien.held_minutes == 90


def test_held_earlier_and_shorter_is_recorded_with_its_real_times(cast: SimpleNamespace) -> None:
    entretien = past(cast, hours_ago=2, minutes=90)
    real_start = entretien.starts_at - dt.timedelta(minutes=30)
    real_end = real_start + dt.timedelta(minutes=45)
    entretien.mark_held(by=cast.consultant, actual_start=real_start, actual_end=real_end)
    assert (entretien.actual_start, entretien.actual_end) == (real_start, real_end)
    assert entretien.held_minutes == 45


def test_held_real_times_overlapping_another_entretien_are_refused(cast: SimpleNamespace) -> None:
    first = past(cast, hours_ago=6, minutes=60)
    first.mark_held(by=cast.consultant)
    second = past(cast, hours_ago=3, minutes=60)
    with pytest.raises(Overlap, match="chevauche"):
        second.mark_held(
            by=cast.consultant,
            actual_start=first.starts_at + dt.timedelta(minutes=30),
            actual_end=first.starts_at + dt.timedelta(minutes=90),
        )
    second.refresh_from_db()
    assert second.status == EntretienStatus.PLANNED
