"""The two exercises that are not answered item by item: the « Valeurs professionnelles » card
sort and the « Auto-évaluation des compétences ». No score and no norm: summaries only.

Answers (Administration.answers):
- work values: {"cards": {card_id: category}, "non_negotiables": str,
  "constraints": {constraint_id: str}, "health_consent": {"at": iso, "text": str, "version": n}}
  — the health constraint is kept only while `health_consent` is there (REQ-50).
- self-assessment: {"ratings": {competence_key: level}, "extra_competences": [label, ...]}
  (the extras are the assigned consultant's additions).

Pure functions: no database, no request; tested in test_sorts.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bilan.exercises.portfolio import normalise

SORT_FAMILIES = ("values", "self_assessment")
HEALTH = "health"
MAX_TEXT = 5000
MAX_LABEL = 200


class InvalidSort(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---- work values ------------------------------------------------------------------------


def category_codes(data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(c["code"] for c in data["categories"])


def health_constraint(data: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in data["constraints"] if c.get("sensitive")), None)


def check_values(data: dict[str, Any], cards: dict[str, str]) -> dict[str, str]:
    """The card placements, checked: known card, known category (empty = not placed)."""
    ids = {c["id"] for c in data["cards"]}
    codes = category_codes(data)
    checked = {}
    for card, category in cards.items():
        if card not in ids:
            raise InvalidSort(f"Carte inconnue : « {card} ».")
        if category in ("", None):
            continue
        if category not in codes:
            raise InvalidSort(f"Catégorie inconnue pour la carte « {card} » : « {category} ».")
        checked[card] = category
    return checked


def check_constraints(data: dict[str, Any], texts: dict[str, str], *, consented: bool) -> dict:
    """Constraint texts, trimmed; the health text only with consent (otherwise dropped)."""
    known = {c["id"]: c for c in data["constraints"]}
    checked = {}
    for key, text in texts.items():
        if key not in known:
            raise InvalidSort(f"Contrainte inconnue : « {key} ».")
        if known[key].get("sensitive") and not consented:
            continue
        text = (text or "").strip()
        if len(text) > MAX_TEXT:
            raise InvalidSort(
                f"Texte trop long pour « {known[key]['label']} » (5 000 caractères au plus)."
            )
        if text:
            checked[key] = text
    return checked


def missing_cards(data: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    placed = answers.get("cards", {})
    return [c["label"] for c in data["cards"] if c["id"] not in placed]


def values_progress(data: dict[str, Any], answers: dict[str, Any]) -> tuple[int, int]:
    return len(data["cards"]) - len(missing_cards(data, answers)), len(data["cards"])


def values_summary(data: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Cards by category in the card order of the instrument, the non-négociables and the
    constraints. The health text is not copied into the summary: it stays in the answers,
    where withdrawing consent erases it."""
    if missing := missing_cards(data, answers):
        raise InvalidSort(
            f"Il reste {len(missing)} carte(s) à classer : " + ", ".join(missing) + "."
        )
    placed = answers["cards"]
    categories = [
        {
            "code": category["code"],
            "label": category["label"],
            "cards": [c["id"] for c in data["cards"] if placed.get(c["id"]) == category["code"]],
        }
        for category in data["categories"]
    ]
    constraints = {
        c["id"]: answers.get("constraints", {}).get(c["id"], "")
        for c in data["constraints"]
        if not c.get("sensitive")
    }
    return {
        "kind": "values",
        "categories": categories,
        "counts": {c["code"]: len(c["cards"]) for c in categories},
        "non_negotiables": answers.get("non_negotiables", ""),
        "constraints": {k: v for k, v in constraints.items() if v},
    }


# ---- self-assessment --------------------------------------------------------------------


def competence_list(
    data: dict[str, Any], portfolio: Iterable[str] = (), extra: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The competences to rate: the instrument's defaults, then the portefeuille's, then the
    consultant's additions; one per normalised label (the first spelling wins)."""
    seen: set[str] = set()
    found = []
    for item in data["default_competences"]:
        seen.add(normalise(item["label"]))
        found.append(
            {
                "key": item["id"],
                "label": item["label"],
                "example": item.get("example", ""),
                "source": "default",
            }
        )
    for source, labels in (("portfolio", portfolio), ("consultant", extra)):
        for label in labels:
            label = " ".join(str(label).split())
            key = normalise(label)
            if not key or key in seen:
                continue
            seen.add(key)
            found.append({"key": key, "label": label, "example": "", "source": source})
    return found


def level_values(data: dict[str, Any]) -> tuple[int, ...]:
    return tuple(level["value"] for level in data["levels"])


def check_ratings(data: dict[str, Any], competences: list[dict], ratings: dict[str, Any]) -> dict:
    keys = {c["key"] for c in competences}
    values = level_values(data)
    checked = {}
    for key, value in ratings.items():
        if key not in keys:
            raise InvalidSort(f"Compétence inconnue : « {key} ».")
        if value in ("", None):
            continue
        try:
            level = int(value)
        except (TypeError, ValueError):
            level = None
        if level not in values:
            raise InvalidSort(
                f"Niveau invalide pour « {key} » : choisissez un niveau de {min(values)} à {max(values)}."
            )
        checked[key] = level
    return checked


def clean_labels(text: str) -> list[str]:
    """One competence label a line, trimmed, deduplicated (normalised)."""
    seen, labels = set(), []
    for line in text.splitlines():
        label = " ".join(line.split())
        if not label:
            continue
        if len(label) > MAX_LABEL:
            raise InvalidSort(f"Intitulé trop long (200 caractères au plus) : « {label[:40]}… ».")
        if normalise(label) not in seen:
            seen.add(normalise(label))
            labels.append(label)
    return labels


def missing_ratings(competences: list[dict], answers: dict[str, Any]) -> list[str]:
    rated = answers.get("ratings", {})
    return [c["label"] for c in competences if c["key"] not in rated]


def self_assessment_summary(
    data: dict[str, Any], competences: list[dict], answers: dict[str, Any]
) -> dict[str, Any]:
    """Competences grouped by level, the highest level first, each with its label frozen."""
    if missing := missing_ratings(competences, answers):
        raise InvalidSort(
            f"Il reste {len(missing)} compétence(s) à évaluer : " + ", ".join(missing) + "."
        )
    rated = answers["ratings"]
    levels = [
        {
            "value": level["value"],
            "label": level["label"],
            "competences": [c["label"] for c in competences if rated[c["key"]] == level["value"]],
        }
        for level in sorted(data["levels"], key=lambda lv: -lv["value"])
    ]
    return {
        "kind": "self_assessment",
        "levels": levels,
        "ratings": {c["label"]: rated[c["key"]] for c in competences},
    }


# ---- reading a result -------------------------------------------------------------------


def values_view(
    data: dict[str, Any], scores: dict[str, Any], answers: dict[str, Any], *, show_health: bool
) -> dict[str, Any]:
    """What the result page shows: categories with their cards (label, description), the
    non-négociables, the constraints with their labels; health only when `show_health` (the
    beneficiary and the assigned consultant) and while the consent holds."""
    cards = {c["id"]: c for c in data["cards"]}
    constraints = [
        {"id": c["id"], "label": c["label"], "text": scores["constraints"].get(c["id"], "")}
        for c in data["constraints"]
        if not c.get("sensitive") and scores["constraints"].get(c["id"])
    ]
    health = health_constraint(data)
    health_text = ""
    if show_health and health and "health_consent" in answers:
        health_text = answers.get("constraints", {}).get(health["id"], "")
    return {
        "kind": "values",
        "categories": [
            {**category, "cards": [cards[i] for i in category["cards"] if i in cards]}
            for category in scores["categories"]
        ],
        "non_negotiables": scores.get("non_negotiables", ""),
        "constraints": constraints,
        "health": {"label": health["label"], "text": health_text} if health_text else None,
        "health_consent": answers.get("health_consent") if show_health else None,
    }


def self_assessment_view(data: dict[str, Any], scores: dict[str, Any]) -> dict[str, Any]:
    levels = {level["value"]: level for level in data["levels"]}
    return {
        "kind": "self_assessment",
        "levels": [
            {**group, "description": levels.get(group["value"], {}).get("description", "")}
            for group in scores["levels"]
        ],
    }
