"""The organisation's own dated hour rules (the settings page and the API): the one place that
decides whether a rule may be added."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _t

from bilan.organisations.models import HoursRule, Organisation

CEILING_MINUTES = 24 * 60  # art. L6313-4 du Code du travail: the model's default, the law's cap


def hours_rule_errors(*, max_total: int | None, min_accompaniment: int | None) -> dict[str, str]:
    """What is wrong with these durations (minutes), by field; empty when fine."""
    errors: dict[str, str] = {}
    if max_total and max_total > CEILING_MINUTES:
        errors["max_total"] = _t(
            "La durée d'un bilan ne peut excéder 24 h (art. L6313-4 du Code du travail)."
        )
    if max_total is not None and min_accompaniment is not None and min_accompaniment > max_total:
        errors["min_accompaniment"] = _t("Le minimum dépasse la durée maximale.")
    return errors


def save_hours_rule(rule: HoursRule) -> HoursRule:
    """Store a new rule of `rule.organisation`; a second rule on the same date is refused."""
    errors = hours_rule_errors(
        max_total=rule.max_total_minutes, min_accompaniment=rule.min_accompaniment_minutes
    )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError(
            {"effective_from": _t("Une règle existe déjà à cette date.")}
        ) from None
    return rule


def add_hours_rule(
    *,
    organisation: Organisation,
    effective_from: dt.date,
    max_total_minutes: int,
    min_accompaniment_minutes: int,
    count_personal_work: bool = True,
    source: str = "",
) -> HoursRule:
    rule = HoursRule(
        organisation=organisation,
        effective_from=effective_from,
        max_total_minutes=max_total_minutes,
        min_accompaniment_minutes=min_accompaniment_minutes,
        count_personal_work=count_personal_work,
        source=source,
    )
    rule.full_clean(exclude=["organisation"])  # the model's own checks (dates in the window…)
    return save_hours_rule(rule)
