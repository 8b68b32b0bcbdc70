"""Free text typed by people: the one check every service applies before saving it."""

from __future__ import annotations

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

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


def is_storable(value: str) -> bool:
    """False for text no database keeps faithfully: a NUL character (PostgreSQL refuses it,
    SQLite stores it and its dump then fails to load) or a lone UTF-16 surrogate (not UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


UNSTORABLE_MESSAGE = _(
    "Le texte envoyé contient un caractère invalide (caractère nul ou demi-caractère Unicode) : "
    "retirez-le et réessayez."
)
