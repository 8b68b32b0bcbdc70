"""ROME compétences and savoirs as « Mon parcours » links to them (registered with
bilan/exercises/referential.py when the app is ready): search, one item, labels."""

from __future__ import annotations

from bilan.careers.models import Competence, Savoir
from bilan.careers.search import fold

ROME_KINDS = {"savoir_faire": "savoir-faire", "savoir_etre": "savoir-être"}
_ROME_ITEMS: dict[tuple[int, int], list[tuple[int, int, str, str, str]]] = {}


def _rome_items() -> list[tuple[int, int, str, str, str]]:
    """(rank, code_ogr, label, kind, folded label) of every non-macro competence, then every
    savoir; built once per process and per referential size (a re-import rebuilds it)."""
    key = (Competence.objects.count(), Savoir.objects.count())
    cached = _ROME_ITEMS.get(key)
    if cached is not None:
        return cached
    items = [
        (0, code, label, ROME_KINDS.get(category, "savoir-faire"), fold(label))
        for code, label, category in Competence.objects.filter(macro=False).values_list(
            "code_ogr", "label", "category"
        )
    ]
    items += [
        (1, code, label, "savoir", fold(label))
        for code, label in Savoir.objects.values_list("code_ogr", "label")
    ]
    items.sort(key=lambda i: (i[0], len(i[2]), i[4], i[1]))
    _ROME_ITEMS.clear()
    _ROME_ITEMS[key] = items
    return items


def search(query: str, limit: int, min_chars: int) -> list[tuple[int, str, str]]:
    """Compétences (non-macro first) then savoirs whose label holds every word typed, accents
    and case aside, shorter labels first; nothing for fewer than `min_chars` letters/digits."""
    words = fold(" ".join((query or "").split())).split()
    if sum(c.isalnum() for w in words for c in w) < min_chars:
        return []
    found = []
    for _rank, code, label, kind, folded in _rome_items():
        if all(w in folded for w in words):
            found.append((code, label, kind))
            if len(found) >= limit:
                break
    return found


def item(code: int) -> tuple[int, str, str] | None:
    competence = Competence.objects.filter(code_ogr=code).first()
    if competence is not None:
        return (code, competence.label, ROME_KINDS.get(competence.category, "savoir-faire"))
    savoir = Savoir.objects.filter(code_ogr=code).first()
    if savoir is not None:
        return (code, savoir.label, "savoir")
    return None


def labels(codes: set[int]) -> dict[str, str]:
    found = {
        str(code): label
        for code, label in Savoir.objects.filter(code_ogr__in=codes).values_list(
            "code_ogr", "label"
        )
    }
    found.update(
        (str(code), label)
        for code, label in Competence.objects.filter(code_ogr__in=codes).values_list(
            "code_ogr", "label"
        )
    )
    return found
