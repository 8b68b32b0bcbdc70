"""Dates people type: the sanity bounds every form, service and API applies before saving one.

These are sanity bounds, not rules of law: they keep an absurd date (year 0, year 9999) from
being stored, where rendering it in Europe/Paris or adding a duration to it overflows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

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


# ---- local wall-clock times and daylight saving time (Europe/Paris) -------------------------


def _exists(moment: dt.datetime) -> bool:
    """Whether the wall-clock time of `moment` is shown by clocks in its zone (not in a gap)."""
    back = moment.astimezone(dt.UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


def offset_label(moment: dt.datetime) -> str:
    """« UTC+2 », « UTC+1 », « UTC+5:30 »."""
    offset = moment.utcoffset()
    assert offset is not None, "an aware datetime"
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")


def _season(moment: dt.datetime) -> str:
    return _t("heure d'été") if moment.dst() else _t("heure d'hiver")


def fold_choices(day: dt.date, time: dt.time) -> list[tuple[int, str]] | None:
    """On the night clocks go back, the two instants a repeated local time names, as choices
    (« 02:30 heure d'été (UTC+2) », « 02:30 heure d'hiver (UTC+1) »); None any other time."""
    first = dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())
    second = first.replace(fold=1)
    if first.utcoffset() == second.utcoffset() or not _exists(first):
        return None
    return [
        (fold, f"{time:%H:%M} {_season(moment)} ({offset_label(moment)})")
        for fold, moment in ((0, first), (1, second))
    ]


def aware_local(day: dt.date, time: dt.time, fold: int | None = None) -> dt.datetime:
    """The instant a person means by a local date and time (the current time zone, Paris).

    A time clocks skip (spring, 02:00–02:59 on the last Sunday of March) is refused naming the
    gap; a time shown twice (autumn, the last Sunday of October) is refused unless `fold` says
    which: 0 the first (summer time), 1 the second (winter time), as in zoneinfo. In UTC."""
    first = dt.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())
    second = first.replace(fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(dt.UTC)
    when = formats.date_format(day, "j F Y")
    if not _exists(first):
        after = first.astimezone(dt.UTC).astimezone(first.tzinfo)
        raise ValidationError(
            _t(
                "%(time)s n'existe pas le %(day)s (passage à l'%(season)s) : choisissez "
                "%(after)s ou une autre heure."
            )
            % {
                "time": f"{time:%H:%M}",
                "day": when,
                "season": _season(after),
                "after": f"{after:%H:%M}",
            },
            code="nonexistent",
        )
    if fold is None:
        raise ValidationError(
            _t(
                "%(time)s existe deux fois le %(day)s (passage à l'%(season)s) : choisissez "
                "ci-dessous laquelle."
            )
            % {"time": f"{time:%H:%M}", "day": when, "season": _season(second)},
            code="ambiguous",
        )
    # In UTC: an aware datetime in a repeated hour never compares equal across zones (PEP 495).
    return (second if fold else first).astimezone(dt.UTC)


def ambiguous_offset(value: dt.datetime | None) -> str:
    """« (UTC+1) » after a time shown twice on the night clocks go back, else "": the page
    then tells the two entretiens at « 02:30 » apart."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset():
        return ""
    return f" ({offset_label(local)})"


class LocalTimeForm(forms.Form):
    """A form with a local date and time (`date_field`, `time_field`): its cleaned data gets
    `starts_at`, the aware instant (aware_local); on the night clocks go back, a `fold` choice
    between the two instants is shown, and kept when the form is shown again."""

    date_field = "date"
    time_field = "time"

    fold = forms.TypedChoiceField(
        label=_("Quelle heure, cette nuit-là ?"),
        choices=[(0, "0"), (1, "1")],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Right after the time field.
        fold = self.fields.pop("fold")
        assert isinstance(fold, forms.TypedChoiceField)
        fields = list(self.fields.items())
        at = next((i + 1 for i, (n, _f) in enumerate(fields) if n == self.time_field), len(fields))
        self.fields = dict([*fields[:at], ("fold", fold), *fields[at:]])
        if choices := self._fold_choices():
            fold.choices = choices
            fold.widget = forms.RadioSelect(choices=choices)

    def _fold_choices(self) -> list[tuple[int, str]] | None:
        if not {self.date_field, self.time_field} <= set(self.fields):
            return None
        try:
            if self.is_bound:
                day = self.fields[self.date_field].clean(
                    self.data.get(self.add_prefix(self.date_field))
                )
                time = self.fields[self.time_field].clean(
                    self.data.get(self.add_prefix(self.time_field))
                )
            else:
                day = self.initial.get(self.date_field)
                time = self.initial.get(self.time_field)
        except ValidationError:
            return None
        if not isinstance(day, dt.date) or not isinstance(time, dt.time):
            return None
        return fold_choices(day, time)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        day, time = data.get(self.date_field), data.get(self.time_field)
        if day and time:
            try:
                data["starts_at"] = aware_local(day, time, fold=data.get("fold"))
            except ValidationError as error:
                self.add_error("fold" if error.code == "ambiguous" else self.time_field, error)
        return data
