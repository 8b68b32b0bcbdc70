"""Dates people type: the sanity bounds every form, service and API applies before saving one.

These are sanity bounds, not rules of law: they keep an absurd date (year 0, year 9999) from
being stored, where rendering it in Europe/Paris or adding a duration to it overflows.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _t

# History (experiences, diplomas) and any other date a person enters: not before 1900.
EARLIEST_DATE = dt.date(1900, 1, 1)
# How far ahead a person may plan something dated (an action, a due date, a suivi).
LATEST_YEARS_AHEAD = 10
# How far ahead an entretien may be booked.
BOOKING_YEARS_AHEAD = 2
# The database's backstop: a fixed window far inside what Python and PostgreSQL can hold.
DB_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
DB_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def _years_ahead(years: int) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year + years, day=min(today.day, 28))


def latest_booking_day() -> dt.date:
    """The last day an entretien may be booked on (tests at fixed dates move it)."""
    return _years_ahead(BOOKING_YEARS_AHEAD)


def check_person_date(value: dt.date | None, *, label: str = "") -> None:
    """Refuse a date before 1900 or more than ten years ahead (None passes: optional fields)."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    latest = _years_ahead(LATEST_YEARS_AHEAD)
    if EARLIEST_DATE <= day <= latest:
        return
    field = f"« {label} » : " if label else ""
    raise ValidationError(
        _t("%(field)sindiquez une date entre le %(first)s et le %(last)s.")
        % {
            "field": field,
            "first": EARLIEST_DATE.strftime("%d/%m/%Y"),
            "last": latest.strftime("%d/%m/%Y"),
        },
        # Not "invalid": a ModelForm would show its field's « Saisissez une date valide » instead.
        code="out_of_bounds",
    )


def check_booking_datetime(value: dt.datetime) -> None:
    """Refuse an entretien more than two years ahead (its being in the future is the booking's
    own rule, as an entretien recorded after the fact may be past)."""
    latest = latest_booking_day()
    if not _representable(value) or timezone.localtime(value).date() > latest:
        raise ValidationError(
            _t("Un entretien se planifie au plus deux ans à l'avance (jusqu'au %(last)s).")
            % {"last": latest.strftime("%d/%m/%Y")},
            code="invalid",
        )
    if value < DB_EARLIEST:
        raise ValidationError(_t("Indiquez une date et une heure valides."), code="invalid")


def _representable(value: dt.datetime) -> bool:
    """Whether `value` converts to local time and back without overflowing (not year 9999)."""
    try:
        timezone.localtime(value) + dt.timedelta(days=2)
    except OverflowError:
        return False
    return value < DB_LATEST


def in_db_window(field: str) -> Q:
    """The CheckConstraint condition for a date or datetime column (NULL passes)."""
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": DB_EARLIEST, f"{field}__lt": DB_LATEST}
    )


def in_db_date_window(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": DB_EARLIEST.date(), f"{field}__lt": DB_LATEST.date()}
    )
