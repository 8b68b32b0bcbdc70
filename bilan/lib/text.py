"""Free text typed by people: the one check every service applies before saving it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.lib.errors import RuleViolation


def capped(label: str, value: str | None, cap: int) -> str:
    """`value` without surrounding blanks, or a RuleViolation naming the field when it is
    longer than `cap` characters (nothing is cut silently)."""
    value = (value or "").strip()
    check_storable(label, value)
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


# ---- text no database keeps faithfully ------------------------------------------------------

UNSTORABLE_MESSAGE = _(
    "Le texte contient un caractère invalide (caractère nul ou code incomplet) : retirez-le "
    "puis enregistrez à nouveau."
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings(value: object) -> Iterator[str]:
    """`value` if it is a string, else the strings inside it (a JSON value: keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def unstorable_reason(value: object) -> str | None:
    """Why `value` (a string, or a JSON value holding strings) cannot be stored, or None.

    A NUL character: PostgreSQL refuses it (a 500), SQLite stores it and its dump then fails
    to load into PostgreSQL. A lone UTF-16 surrogate (`\\ud800`, which JSON's `\\uXXXX` can carry):
    it is not UTF-8, so no database driver can write it. The one check for both: every form
    text field, the API's strings, the note autosave and the models' save all call it."""
    for text in _strings(value):
        if "\x00" in text or (not text.isascii() and _SURROGATE.search(text)):
            return str(UNSTORABLE_MESSAGE)
    return None


def refuse_unstorable_text(value: object) -> None:
    """Django validator (forms, models): ValidationError in French for unstorable text."""
    reason = unstorable_reason(value)
    if reason:
        raise ValidationError(reason, code="unstorable")


def check_storable(label: str, value: object) -> None:
    """The services' form of the check: a RuleViolation naming the field (API: 422)."""
    reason = unstorable_reason(value)
    if reason:
        raise RuleViolation(f"« {label} » : {reason}" if label else reason, code="invalid")


def _refuse_in_form_field(self: validators.ProhibitNullCharactersValidator, value: object) -> None:
    refuse_unstorable_text(value if isinstance(value, dict | list) else str(value))


def _refuse_on_save(
    sender: type[models.Model],
    instance: models.Model,
    update_fields: frozenset[str] | None = None,
    raw: bool = False,
    **kwargs: object,
) -> None:
    if raw or not sender.__module__.startswith("bilan."):  # loaddata; others' models
        return
    for field in sender._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField | models.JSONField):
            continue
        if update_fields is not None and field.name not in update_fields:
            continue
        check_storable(str(field.verbose_name), getattr(instance, field.attname, None))


def install_storable_text_checks() -> None:
    """Put `unstorable_reason` where every text arrives (called once, from an AppConfig):

    - every form text field: Django already puts a ProhibitNullCharactersValidator on every
      forms.CharField (EmailField, URLField, JSONField… included); it now refuses lone
      surrogates too, with the message above, so a refusal is a field error on the form shown
      again with what was typed;
    - every save of the project's models (a backstop for the API, the services and any path
      added later): a RuleViolation naming the field, which the API answers as a 422
      `{"detail": …}`.
    The raw UPDATE of the note autosave does not go through save(): save_note checks itself."""
    validators.ProhibitNullCharactersValidator.message = UNSTORABLE_MESSAGE
    # Replacing Django's method is the one place that reaches every form text field.
    validators.ProhibitNullCharactersValidator.__call__ = _refuse_in_form_field  # type: ignore[method-assign]
    pre_save.connect(_refuse_on_save, dispatch_uid="bilan.lib.text.refuse_on_save")
