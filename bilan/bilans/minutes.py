"""The minutes a bilan's hours budget counts, counted by the feature that holds them.

Entretiens (scheduled, held) and inter-session work (given, done) live in bilan.entretiens, a
feature above the core; the core's budget must not import it. entretiens registers how to count
them when the app is ready (`EntretiensConfig.ready`), and `Bilan.budget()` and
`BilanQuerySet.with_hours()` ask through here, so one bilan and a page of bilans count alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import Expression

    from bilan.bilans.models import Bilan

# The four figures, as with_hours() annotates them and as of() returns them.
FIGURES = (
    "scheduled_minutes",
    "held_minutes",
    "delivered_minutes",
    "assigned_minutes",
    "assigned_done_minutes",
)


@dataclass(frozen=True)
class MinutesSource:
    annotations: Callable[[], dict[str, Expression]]  # per bilan row, over OuterRef("pk")
    # The figures named, for one bilan in hand (only the queries those names need).
    of: Callable[[Bilan, tuple[str, ...]], dict[str, int]]


_source: MinutesSource | None = None


def register(
    *,
    annotations: Callable[[], dict[str, Expression]],
    of: Callable[[Bilan, tuple[str, ...]], dict[str, int]],
) -> None:
    """Called once by the owning app's AppConfig.ready (the last registration wins)."""
    global _source
    _source = MinutesSource(annotations=annotations, of=of)


def source() -> MinutesSource:
    if _source is None:
        raise ImproperlyConfigured(
            "No minutes source registered: bilan.entretiens must be in INSTALLED_APPS."
        )
    return _source


def figures(bilan: Bilan, names: tuple[str, ...] = FIGURES) -> dict[str, int]:
    """The figures `names` of `bilan`: the with_hours() annotations when present, else counted."""
    if all(hasattr(bilan, name) for name in names):
        return {name: getattr(bilan, name) for name in names}
    return source().of(bilan, names)
