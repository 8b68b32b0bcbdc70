"""Dates people type are bounded (bilan.lib.dates): the far-future booking that broke the bilan
page, its .ics and the dashboard for good is refused by the API, the web form and the database,
and nothing is saved on refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.entretiens.models import Entretien
from bilan.lib.dates import check_person_date, latest_booking_day

FAR = ["9999-12-31T22:00:00+00:00", "9999-12-31T23:30:00+00:00", "0001-01-01T00:00:00+00:00"]


def api_body(starts_at: str, **extra) -> dict:
    return {
        "starts_at": starts_at,
        "planned_minutes": 90,
        "modality": "in_person",
        "place": "Salle 2",
        **extra,
    }


def pages_answer(cast, client) -> list[int]:
    entretien = Entretien.objects.filter(bilan=cast.bilan).first()
    urls = [reverse("bilans:detail", args=[cast.bilan.pk]), reverse("home")]
    if entretien:
        urls.append(reverse("entretiens:invitation", args=[entretien.pk]))
    statuses = []
    for who in (cast.consultant, cast.admin):
        client.force_login(who)
        statuses += [client.get(url).status_code for url in urls]
    return statuses


@pytest.mark.parametrize("starts_at", FAR)
def test_the_api_refuses_a_far_future_or_absurd_entretien_and_saves_nothing(
    cast, client, starts_at
):
    response = Api(cast).post(
        f"/bilans/{cast.bilan.pk}/entretiens", "consultant", api_body(starts_at)
    )
    assert response.status_code == 422
    assert (
        "Indiquez une date" in response.json()["detail"]
        or "deux ans" in (response.json()["detail"])
    )
    assert not Entretien.objects.exists()
    assert set(pages_answer(cast, client)) == {200}


def test_the_api_books_up_to_two_years_ahead_and_not_a_day_more(cast):
    last = latest_booking_day()
    api = Api(cast)
    path = f"/bilans/{cast.bilan.pk}/entretiens"
    refused = api.post(
        path, "consultant", api_body(f"{last + dt.timedelta(days=1)}T10:00:00+01:00")
    )
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("Un entretien se planifie au plus deux ans")
    assert api.post(path, "consultant", api_body(f"{last}T10:00:00+01:00")).status_code == 201


@pytest.mark.parametrize(
    "date, time, duration",
    [("9999-12-31", "23:30", "12"), ("9999-12-31", "22:00", "1"), ("0001-01-01", "10:00", "1")],
)
def test_the_web_form_refuses_a_far_future_entretien_and_the_pages_still_answer(
    cast, client, date, time, duration
):
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {
            "interview": "accueil",
            "date": date,
            "time": time,
            "duration": duration,
            "modality": "in_person",
            "place": "Salle 2",
        },
    )
    assert response.status_code == 422
    assert "Un entretien se planifie au plus deux ans" in response.content.decode() or (
        "Indiquez une date" in response.content.decode()
    )
    assert not Entretien.objects.exists()
    assert set(pages_answer(cast, client)) == {200}


def test_the_database_refuses_an_entretien_outside_its_window(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Entretien.objects.create(
            bilan=cast.bilan,
            phase="preliminary",
            starts_at=dt.datetime(9999, 12, 31, 22, tzinfo=dt.UTC),
            planned_minutes=60,
        )
    assert not Entretien.objects.exists()


@pytest.mark.parametrize(
    "day, ok",
    [
        (dt.date(1899, 12, 31), False),
        (dt.date(1900, 1, 1), True),
        (dt.date(1, 1, 1), False),
        (dt.date(9999, 12, 31), False),
        (None, True),
    ],
)
def test_a_person_date_lies_between_1900_and_ten_years_ahead(day, ok):
    if ok:
        check_person_date(day)
    else:
        with pytest.raises(Exception, match="indiquez une date entre le 01/01/1900"):
            check_person_date(day)


def test_ten_years_ahead_is_the_last_person_date(db):
    today = timezone.localdate()
    last = today.replace(year=today.year + 10, day=min(today.day, 28))
    check_person_date(last)
    with pytest.raises(Exception, match="indiquez une date"):
        check_person_date(last + dt.timedelta(days=1))
