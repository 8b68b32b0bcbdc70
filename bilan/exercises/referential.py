"""The competence referential « Mon parcours » links to (the ROME), as exercises asks for it.

The ROME lives in bilan.careers, a feature above exercises: careers registers its lookups here
when the app is ready (`CareersConfig.ready`), and exercises.parcours asks through `source()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

Item = tuple[int, str, str]  # (code_ogr, label, kind: "savoir-faire", "savoir-être", "savoir")


@dataclass(frozen=True)
class Referential:
    # (query, limit, the letters and digits a query needs) → the items matching every word
    search: Callable[[str, int, int], list[Item]]
    item: Callable[[int], Item | None]  # one OGR code → its item, else None
    labels: Callable[[set[int]], dict[str, str]]  # OGR codes → labels, for the known ones


_source: Referential | None = None


def register(
    *,
    search: Callable[[str, int, int], list[Item]],
    item: Callable[[int], Item | None],
    labels: Callable[[set[int]], dict[str, str]],
) -> None:
    """Called once by the owning app's AppConfig.ready (the last registration wins)."""
    global _source
    _source = Referential(search=search, item=item, labels=labels)


def source() -> Referential:
    if _source is None:
        raise ImproperlyConfigured(
            "No competence referential registered: bilan.careers must be in INSTALLED_APPS."
        )
    return _source
