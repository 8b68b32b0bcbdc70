"""The .ics invitation of an entretien (RFC 5545, built with icalendar).

One VEVENT per entretien with a stable UID: each new version (SEQUENCE) of the same UID
updates the event already in the parties' calendars, and METHOD:CANCEL removes it. Only
administrative data travels: title, time, place or link, the two people — never notes.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from bilan.entretiens.models import Entretien, EntretienStatus, Modality

PARIS = ZoneInfo("Europe/Paris")
PRODID = "-//Bilan//Entretiens//FR"


def uid(entretien: Entretien) -> str:
    return f"entretien-{entretien.pk}@{urlsplit(settings.SITE_URL).hostname or 'bilan'}"


def method(entretien: Entretien) -> str:
    return "CANCEL" if entretien.status == EntretienStatus.CANCELLED else "REQUEST"


def summary(entretien: Entretien) -> str:
    title = entretien.title or entretien.get_phase_display()
    return f"Bilan de compétences — {title}"


def location(entretien: Entretien) -> str:
    if entretien.modality == Modality.VIDEO:
        return entretien.video_link
    if entretien.modality == Modality.PHONE:
        return "Par téléphone"
    return entretien.place


def address(user, role: str) -> vCalAddress:
    person = vCalAddress(f"mailto:{user.email}")
    person.params["CN"] = vText(user.get_full_name() or user.email)
    if role != "ORGANIZER":
        person.params["ROLE"] = vText(role)
        person.params["PARTSTAT"] = vText("NEEDS-ACTION")
        person.params["RSVP"] = vText("FALSE")
    return person


def invitation(entretien: Entretien, *, now: dt.datetime | None = None) -> bytes:
    """The calendar file for the entretien as it stands: a request, or its cancellation."""
    bilan = entretien.bilan
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method(entretien))
    event = Event()
    event.add("uid", uid(entretien))
    event.add("sequence", entretien.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    # In UTC (…Z): a local time with a TZID cannot say which 02:30 of the autumn night it
    # is, and calendar clients read it as the first one (DTSTART = DTEND, an hour early).
    event.add("dtstart", entretien.starts_at.astimezone(dt.UTC))
    event.add("dtend", entretien.ends_at.astimezone(dt.UTC))
    event.add("summary", summary(entretien))
    if location(entretien):
        event.add("location", location(entretien))
    if entretien.modality == Modality.VIDEO and entretien.video_link:
        event.add("url", entretien.video_link)
    event.add(
        "status", "CANCELLED" if entretien.status == EntretienStatus.CANCELLED else "CONFIRMED"
    )
    event.add("organizer", address(bilan.consultant, "ORGANIZER"))
    event.add("attendee", address(bilan.beneficiary, "REQ-PARTICIPANT"))
    cal.add_component(event)
    return cal.to_ical()


def filename(entretien: Entretien) -> str:
    return f"entretien-{entretien.starts_at.astimezone(PARIS):%Y-%m-%d}.ics"


def download(entretien: Entretien) -> HttpResponse:
    response = HttpResponse(
        invitation(entretien),
        content_type=f"text/calendar; charset=utf-8; method={method(entretien)}",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(entretien)}"'
    return response
