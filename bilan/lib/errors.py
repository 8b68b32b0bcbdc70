"""The refusal every owner raises (lib: any layer may raise it, the API and the pages map it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class RuleViolation(ValidationError):
    """A refused action, with a French message naming what is missing.

    `code` says why, so the API can answer with the right status: "refused" (the state does
    not allow it, 409), "forbidden" (not this person's act, 403), "invalid" (bad input, 422).
    `bilan.bilans.models.RuleViolation` is this same class.
    """

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message, code=code)
