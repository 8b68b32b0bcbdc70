"""The portefeuille de compétences: every competence of every experience, grouped by label
whatever its case, accents or spacing (« Gérer un budget » == « gerer un BUDGET »).

Pure functions: no database, no request; tested in test_portfolio.py.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

# Typographic variants typed on phones and copied from documents.
_SAME = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "–": "-", "—": "-", "œ": "oe", "æ": "ae"})


def normalise(label: str) -> str:
    """The grouping key of a label: no accents, case folded, one space between words,
    no trailing punctuation."""
    text = unicodedata.normalize("NFKD", label.casefold().translate(_SAME))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(text.translate(_SAME).split())
    return text.strip(" .;,:!?")


@dataclass
class Group(Generic[T]):
    """One competence of the portefeuille and the experiences that show it."""

    key: str
    label: str  # the spelling used most often (the first one met on a tie)
    rome_code: str = ""
    experiences: list[T] = field(default_factory=list)
    spellings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.experiences)


def group_competences(items: Iterable[tuple[str, str, T]]) -> list[Group[T]]:
    """Group (label, rome_code, experience) triples by normalised label.

    Each group lists its experiences once, in the order met (pass them in timeline order),
    and takes the first ROME code given. Groups come most shown first, then alphabetically.
    """
    groups: dict[str, Group[T]] = {}
    counts: dict[str, Counter[str]] = {}
    for label, rome_code, experience in items:
        key = normalise(label)
        if not key:
            continue
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key=key, label=label.strip())
            counts[key] = Counter()
        spelling = " ".join(label.split())
        if spelling not in counts[key]:
            group.spellings.append(spelling)
        counts[key][spelling] += 1
        if rome_code and not group.rome_code:
            group.rome_code = rome_code
        if experience not in group.experiences:
            group.experiences.append(experience)
    for key, group in groups.items():
        best = max(counts[key].values())
        group.label = next(s for s in group.spellings if counts[key][s] == best)
    return sorted(groups.values(), key=lambda g: (-g.count, g.key))
