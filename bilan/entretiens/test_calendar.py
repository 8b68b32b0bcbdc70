"""The .ics invitation: parsed back with icalendar, Europe/Paris times across DST, no content."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from icalendar import Calendar

from bilan.entretiens import calendar
from bilan.entretiens.models import CancelReason, Entretien, EntretienNote, Modality

PARIS = ZoneInfo("Europe/Paris")
# These tests book at fixed dates up to 2030.
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")


def paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def book(cast, starts_at: dt.datetime, **extra) -> Entretien:
    fields = {"modality": Modality.IN_PERSON, "place": "12 rue des Lilas, Lyon", **extra}
    return Entretien.schedule(
        bilan=cast.bilan, by=cast.consultant, starts_at=starts_at, planned_minutes=90, **fields
    )


def parse(entretien: Entretien) -> tuple[Calendar, object]:
    cal = Calendar.from_ical(calendar.invitation(entretien))
    (event,) = cal.walk("VEVENT")
    return cal, event


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def test_a_summer_entretien_at_10_in_paris_is_8_utc(cast):
    _, event = parse(book(cast, paris(2026, 7, 1, 10, 0)))
    assert utc(event.decoded("dtstart")) == dt.datetime(2026, 7, 1, 8, 0)
    assert utc(event.decoded("dtend")) == dt.datetime(2026, 7, 1, 9, 30)


def test_a_winter_entretien_at_10_in_paris_is_9_utc(cast):
    _, event = parse(book(cast, paris(2026, 12, 1, 10, 0)))
    assert utc(event.decoded("dtstart")) == dt.datetime(2026, 12, 1, 9, 0)


def test_times_are_written_in_utc_so_every_client_reads_the_same_instant(cast):
    raw = calendar.invitation(book(cast, paris(2026, 7, 1, 10, 0))).decode()
    assert "DTSTART:20260701T080000Z" in raw
    assert "DTEND:20260701T093000Z" in raw
    assert "TZID" not in raw


def test_the_invitation_is_a_request_from_the_consultant_to_the_beneficiary(cast):
    entretien = book(cast, paris(2026, 7, 1, 10, 0), title="Analyse de la demande")
    cal, event = parse(entretien)
    assert cal["METHOD"] == "REQUEST"
    assert str(event["SUMMARY"]) == "Bilan de compétences — Analyse de la demande"
    assert str(event["LOCATION"]) == "12 rue des Lilas, Lyon"
    assert str(event["ORGANIZER"]) == "mailto:consultante@cap.test"
    assert event["ORGANIZER"].params["CN"] == "Claire Conseil"
    assert str(event["ATTENDEE"]) == "mailto:benef@cap.test"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"


@override_settings(SITE_URL="https://bilan.cap-avenir.fr")
def test_the_uid_is_stable_and_the_sequence_follows_each_change(cast):
    entretien = book(cast, paris(2030, 7, 1, 10, 0), invite=True)
    _, first = parse(entretien)
    entretien.reschedule(
        by=cast.consultant,
        starts_at=paris(2030, 7, 2, 14, 0),
        planned_minutes=60,
        modality=Modality.VIDEO,
        video_link="https://visio.example/salle-42",
    )
    _, moved = parse(entretien)
    assert str(first["UID"]) == str(moved["UID"]) == f"entretien-{entretien.pk}@bilan.cap-avenir.fr"
    assert (first["SEQUENCE"], moved["SEQUENCE"]) == (0, 1)
    assert str(moved["LOCATION"]) == "https://visio.example/salle-42"
    assert utc(moved.decoded("dtstart")) == dt.datetime(2030, 7, 2, 12, 0)


def test_a_cancelled_entretien_gives_a_cancel_with_a_higher_sequence(cast):
    entretien = book(cast, paris(2030, 7, 1, 10, 0))
    entretien.cancel(by=cast.consultant, reason=CancelReason.HEALTH)
    cal, event = parse(entretien)
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


def test_the_invitation_carries_no_note(cast):
    entretien = book(cast, paris(2030, 7, 1, 10, 0), title="Accueil")
    EntretienNote.objects.create(
        entretien=entretien, key="free", text="Confidentiel : conflit avec son manager"
    )
    raw = calendar.invitation(entretien).decode()
    assert "Confidentiel" not in raw and "manager" not in raw
    assert "DESCRIPTION" not in raw
