"""Form fields every app's pages share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class HoursField(forms.DecimalField):
    """Hours typed as a decimal (« 1,5 »), returned in minutes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 4)
        kwargs.setdefault("decimal_places", 2)
        # A text input accepts the French decimal comma (« 1,5 ») that a number input refuses.
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)
        # The bounds in hours, with the French decimal comma (« au moins 0,25 h »).
        for validator in self.validators:
            if isinstance(validator, MinValueValidator | MaxValueValidator):
                limit = f"{validator.limit_value:g}".replace(".", ",")
                words = (
                    _("Indiquez au moins {limit} h.")
                    if isinstance(validator, MinValueValidator)
                    else _("Indiquez au plus {limit} h.")
                )
                validator.message = format_lazy(words, limit=limit)

    def clean(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.strip().replace(",", ".").replace(" ", "")
        hours = super().clean(value)
        return None if hours is None else round(hours * 60)
