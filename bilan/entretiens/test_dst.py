"""Daylight saving time in Europe/Paris (issue 11, item 18): a local time the spring night skips
is refused naming the gap; a time the autumn night shows twice is booked only once the person
chose which; pages tell the two apart; the .ics carries the instant in UTC."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from bilan.api.test_api import Api
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.entretiens import calendar
from bilan.entretiens.models import Entretien, Modality
from bilan.entretiens.views_schedule import RescheduleForm
from bilan.followup.forms import SlotForm as SuiviSlotForm
from bilan.lib.dates import ambiguous_offset, aware_local

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")

SPRING_2026, AUTUMN_2026 = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
SPRING, AUTUMN = dt.date(2027, 3, 28), dt.date(2027, 10, 31)  # ahead: bookable on the web
HALF_PAST_TWO = dt.time(2, 30)


def test_a_time_the_spring_night_skips_is_refused_naming_the_gap():
    with pytest.raises(ValidationError) as refused:
        aware_local(SPRING_2026, HALF_PAST_TWO)
    assert refused.value.messages == [
        "02:30 n'existe pas le 29 mars 2026 (passage à l'heure d'été) : "
        "choisissez 03:30 ou une autre heure."
    ]
    for fold in (0, 1):  # no choice makes it exist
        with pytest.raises(ValidationError):
            aware_local(SPRING_2026, HALF_PAST_TWO, fold=fold)


def test_a_time_the_autumn_night_shows_twice_needs_the_persons_choice():
    with pytest.raises(ValidationError) as refused:
        aware_local(AUTUMN_2026, HALF_PAST_TWO)
    assert refused.value.error_list[0].code == "ambiguous"
    assert "02:30 existe deux fois le 25 octobre 2026" in refused.value.messages[0]
    first = aware_local(AUTUMN_2026, HALF_PAST_TWO, fold=0)
    second = aware_local(AUTUMN_2026, HALF_PAST_TWO, fold=1)
    assert first.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second.astimezone(UTC) == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_any_other_time_is_taken_as_is():
    for day, time in ((SPRING_2026, dt.time(3, 30)), (AUTUMN_2026, dt.time(3, 30))):
        assert aware_local(day, time).astimezone(PARIS).time() == time
    assert aware_local(dt.date(2026, 7, 1), dt.time(10)) == dt.datetime(2026, 7, 1, 8, tzinfo=UTC)


# ---- the web booking form -----------------------------------------------------------------


@pytest.fixture(autouse=True)
def preliminary(cast):
    return advance_to(cast.bilan, Status.PRELIMINARY)


def post(cast, client, **fields):
    client.force_login(cast.consultant)
    body = {
        "interview": "",
        "title": "",
        "duration": "1",
        "modality": "in_person",
        "place": "Salle des Tilleuls",
        "time": "02:30",
        **fields,
    }
    return client.post(reverse("entretiens:schedule", args=[cast.bilan.pk]), body)


def test_the_form_refuses_the_spring_gap_keeping_what_was_typed(cast, client):
    before = Entretien.objects.count()
    response = post(cast, client, date=SPRING.isoformat())
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        "02:30 n&#x27;existe pas le 28 mars 2027 (passage à l&#x27;heure d&#x27;été) : "
        "choisissez 03:30 ou une autre heure." in html
    )
    assert 'value="02:30"' in html and 'value="Salle des Tilleuls"' in html
    assert Entretien.objects.count() == before


def test_the_form_asks_which_half_past_two_on_the_autumn_night_and_books_nothing(cast, client):
    before = Entretien.objects.count()
    response = post(cast, client, date=AUTUMN.isoformat())
    html = response.content.decode()
    assert response.status_code == 422
    assert "02:30 existe deux fois le 31 octobre 2027" in html
    assert re.search(
        r'type="radio" name="fold" value="0"[^>]*>\s*02:30 heure d&#x27;été \(UTC\+2\)', html
    )
    assert re.search(
        r'type="radio" name="fold" value="1"[^>]*>\s*02:30 heure d&#x27;hiver \(UTC\+1\)', html
    )
    assert Entretien.objects.count() == before


@pytest.mark.parametrize("fold, utc_hour", [("0", 0), ("1", 1)])
def test_the_chosen_half_past_two_is_the_instant_booked(cast, client, fold, utc_hour):
    post(cast, client, date=AUTUMN.isoformat(), fold=fold)
    entretien = Entretien.objects.latest("pk")
    assert entretien.starts_at == dt.datetime(2027, 10, 31, utc_hour, 30, tzinfo=UTC)


def test_the_choice_is_kept_when_the_form_comes_back_for_another_reason(cast, client):
    html = post(cast, client, date=AUTUMN.isoformat(), fold="1", duration="NaN").content.decode()
    assert re.search(r'type="radio" name="fold" value="1"[^>]*checked', html)


def test_no_choice_is_shown_on_an_ordinary_night(cast, client):
    html = post(cast, client, date=AUTUMN.isoformat(), time="10:00", duration="x").content.decode()
    assert 'type="radio" name="fold"' not in html
    assert 'type="hidden" name="fold"' in html


def test_moving_an_entretien_of_the_second_half_past_two_proposes_that_one(cast):
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        starts_at=dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
        planned_minutes=60,
        modality=Modality.PHONE,
    )
    html = RescheduleForm.for_entretien(entretien).as_p()
    assert re.search(r'type="radio" name="fold" value="1"[^>]*checked', html)


def test_the_suivi_booking_form_refuses_the_gap_and_asks_on_the_autumn_night():
    body = {"time": "02:30", "minutes": "60", "modality": "phone"}
    gap = SuiviSlotForm({**body, "day": SPRING.isoformat()})
    assert not gap.is_valid() and "n'existe pas le 28 mars 2027" in gap.errors["time"][0]
    twice = SuiviSlotForm({**body, "day": AUTUMN.isoformat()})
    assert not twice.is_valid() and "existe deux fois" in twice.errors["fold"][0]
    chosen = SuiviSlotForm({**body, "day": AUTUMN.isoformat(), "fold": "1"})
    assert chosen.is_valid(), chosen.errors
    assert chosen.slot().starts_at == dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


# ---- what pages and calendars show --------------------------------------------------------


def test_the_bilan_page_tells_the_two_half_past_two_apart(cast, client):
    for hour in (0, 1):
        Entretien.schedule(
            bilan=cast.bilan,
            by=cast.consultant,
            starts_at=dt.datetime(2026, 10, 25, hour, 30, tzinfo=UTC),
            planned_minutes=60,
            modality=Modality.PHONE,
        )
    client.force_login(cast.consultant)
    html = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert "25/10/2026 02:30 (UTC+2)" in html and "25/10/2026 02:30 (UTC+1)" in html
    assert ambiguous_offset(dt.datetime(2026, 10, 25, 8, tzinfo=UTC)) == ""


def ics_instants(raw: str) -> dict[str, dt.datetime]:
    """DTSTART and DTEND read from the lines themselves (UTC form …Z)."""
    found = {}
    for line in raw.splitlines():
        name, _, value = line.partition(":")
        if name in ("DTSTART", "DTEND"):
            assert value.endswith("Z"), line
            found[name] = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return found


def test_the_ics_of_an_entretien_in_the_repeated_hour_has_its_real_instants(cast):
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        starts_at=aware_local(AUTUMN_2026, HALF_PAST_TWO, fold=1),
        planned_minutes=60,
        modality=Modality.PHONE,
    )
    raw = calendar.invitation(entretien).decode()
    lines = ics_instants(raw)
    assert lines["DTSTART"] == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert lines["DTEND"] - lines["DTSTART"] == dt.timedelta(hours=1)
    (event,) = Calendar.from_ical(raw).walk("VEVENT")  # an independent parser agrees
    assert event.decoded("dtstart") == dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(hours=1)


def test_the_api_refuses_a_naive_datetime_clearly(cast):
    before = Entretien.objects.count()
    response = Api(cast).post(
        f"/bilans/{cast.bilan.pk}/entretiens",
        "consultant",
        {"starts_at": "2027-10-31T02:30:00", "planned_minutes": 60, "modality": "phone"},
    )
    assert response.status_code == 422
    assert "décalage horaire" in response.json()["detail"]
    assert Entretien.objects.count() == before


def test_the_invitation_e_mail_says_which_half_past_two(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Entretien.schedule(
            bilan=cast.bilan,
            by=cast.consultant,
            starts_at=aware_local(AUTUMN, HALF_PAST_TWO, fold=1),
            planned_minutes=60,
            modality=Modality.PHONE,
            invite=True,
        )
    assert mailoutbox
    for mail in mailoutbox:
        assert "31 octobre 2027 à 02:30 (UTC+1)" in mail.subject
        assert "de 02:30 (UTC+1) à 03:30" in mail.body
