"""The attendance rule's seat in the core: which held entretiens count as delivered.

What proves an entretien delivered (both signatures, and for a video session the connection
record) is decided by `bilan.entretiens.ledger`, the hours ledger's owner. The core's hours
budget (`Bilan.budget`, `BilanQuerySet.with_hours`) must not import a feature, so the ledger
registers its filter here when the app is ready (`EntretiensConfig.ready`), and every bar,
floor and ceiling reads delivered hours through the same filter.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

_proven: Callable[[], Q] | None = None


def register(*, proven: Callable[[], Q]) -> None:
    """Called once by the owning app's AppConfig.ready (the last registration wins)."""
    global _proven
    _proven = proven


def proven() -> Q:
    """The condition, on an Entretien queryset, of a held entretien whose attendance is proven."""
    if _proven is None:
        raise ImproperlyConfigured(
            "No attendance rule registered: bilan.entretiens must be in INSTALLED_APPS."
        )
    return _proven()
