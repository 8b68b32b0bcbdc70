"""Free text typed by people: the one check every service applies before saving it."""

from __future__ import annotations

from django.utils.translation import gettext as _t

from bilan.bilans.models import RuleViolation


def capped(label: str, value: str | None, cap: int) -> str:
    """`value` without surrounding blanks, or a RuleViolation naming the field when it is
    longer than `cap` characters (nothing is cut silently)."""
    value = (value or "").strip()
    if len(value) > cap:
        raise RuleViolation(
            _t(
                "« %(field)s » est trop long : %(length)s caractères pour %(cap)s au plus. "
                "Raccourcissez-le."
            )
            % {"field": label, "length": len(value), "cap": cap},
            code="invalid",
        )
    return value
