import datetime as dt

from django import template
from django.utils.formats import number_format

from bilan.lib.dates import ambiguous_offset
from bilan.lib.hours import fmt

register = template.Library()


@register.filter(name="hours")
def hours(minutes: int) -> str:
    return fmt(minutes or 0)


@register.filter(name="as_hours")
def as_hours(minutes: int) -> str:
    """Minutes as a decimal number of hours for a form field, in the active locale."""
    return number_format(round((minutes or 0) / 60, 2), decimal_pos=None)


@register.filter(name="dst_offset")
def dst_offset(moment: dt.datetime | None) -> str:
    """« (UTC+1) » after a time the autumn night shows twice (bilan.lib.dates), else ""."""
    return ambiguous_offset(moment)
