"""The card sorts' pure functions: checks, summaries, competence list (sorts.py)."""

from __future__ import annotations

import pytest

from bilan.assessments import sorts
from bilan.assessments.instruments import get_instrument

VALUES = get_instrument("work_values").data
SELF = get_instrument("self_assessment").data


def all_placed(category: str = "important") -> dict[str, str]:
    return {c["id"]: category for c in VALUES["cards"]}


def test_the_work_values_data_has_25_cards_3_categories_and_one_sensitive_health_constraint():
    assert len(VALUES["cards"]) == 25
    assert sorts.category_codes(VALUES) == ("indispensable", "important", "secondaire")
    assert [c["id"] for c in VALUES["constraints"] if c["sensitive"]] == ["health"]
    assert sorts.health_constraint(VALUES)["notice"]


def test_card_placements_are_checked_and_an_empty_choice_is_not_a_placement():
    assert sorts.check_values(VALUES, {"autonomie": "indispensable", "securite_emploi": ""}) == {
        "autonomie": "indispensable"
    }
    with pytest.raises(sorts.InvalidSort, match="Carte inconnue"):
        sorts.check_values(VALUES, {"licorne": "important"})
    with pytest.raises(sorts.InvalidSort, match="Catégorie inconnue"):
        sorts.check_values(VALUES, {"autonomie": "vital"})


def test_the_health_constraint_is_dropped_without_consent_and_kept_with_it():
    texts = {"mobility": "  30 km  ", "health": "Pas de port de charges", "hours": ""}
    assert sorts.check_constraints(VALUES, texts, consented=False) == {"mobility": "30 km"}
    assert sorts.check_constraints(VALUES, texts, consented=True) == {
        "mobility": "30 km",
        "health": "Pas de port de charges",
    }
    with pytest.raises(sorts.InvalidSort, match="Contrainte inconnue"):
        sorts.check_constraints(VALUES, {"religion": "x"}, consented=True)


def test_an_incomplete_sort_cannot_be_summarised_and_names_the_missing_cards():
    placed = all_placed()
    del placed["autonomie"]
    with pytest.raises(sorts.InvalidSort, match=r"Il reste 1 carte\(s\) à classer : Autonomie\."):
        sorts.values_summary(VALUES, {"cards": placed})
    assert sorts.values_progress(VALUES, {"cards": placed}) == (24, 25)


def test_the_summary_ranks_cards_by_category_in_card_order_without_the_health_text():
    placed = all_placed("secondaire") | {
        "autonomie": "indispensable",
        "securite_emploi": "important",
    }
    answers = {
        "cards": placed,
        "non_negotiables": "Pas de travail de nuit",
        "constraints": {"income": "1 800 € net", "health": "Dos fragile"},
        "health_consent": {"at": "2026-12-01T10:00:00", "text": "…"},
    }
    summary = sorts.values_summary(VALUES, answers)
    assert [c["code"] for c in summary["categories"]] == [
        "indispensable",
        "important",
        "secondaire",
    ]
    assert summary["categories"][0]["cards"] == ["autonomie"]
    assert summary["categories"][1]["cards"] == ["securite_emploi"]
    assert summary["counts"] == {"indispensable": 1, "important": 1, "secondaire": 23}
    assert summary["constraints"] == {"income": "1 800 € net"}
    assert "Dos fragile" not in str(summary)
    shown = sorts.values_view(VALUES, summary, answers, show_health=True)
    assert shown["health"] == {"label": "Santé", "text": "Dos fragile"}
    assert shown["categories"][0]["cards"][0]["label"] == "Autonomie"
    assert sorts.values_view(VALUES, summary, answers, show_health=False)["health"] is None
    withdrawn = {**answers, "health_consent": None}
    del withdrawn["health_consent"]
    assert sorts.values_view(VALUES, summary, withdrawn, show_health=True)["health"] is None


def test_the_competence_list_is_defaults_then_portfolio_then_consultant_deduplicated():
    competences = sorts.competence_list(
        SELF,
        portfolio=["Gérer un budget", "gerer un  BUDGET", "Communiquer à l’oral"],
        extra=["Conduire un chariot", "gérer un budget", "  "],
    )
    assert len(competences) == 16 + 2
    assert competences[0]["key"] == "communication_orale"
    assert [(c["label"], c["source"]) for c in competences[16:]] == [
        ("Gérer un budget", "portfolio"),
        ("Conduire un chariot", "consultant"),
    ]
    assert competences[16]["key"] == "gerer un budget"


def test_ratings_are_checked_against_the_four_levels():
    competences = sorts.competence_list(SELF)
    assert sorts.check_ratings(
        SELF, competences, {"communication_orale": "3", "communication_ecrite": ""}
    ) == {"communication_orale": 3}
    for bad in ("5", "0", "beaucoup"):
        with pytest.raises(sorts.InvalidSort, match="de 1 à 4"):
            sorts.check_ratings(SELF, competences, {"communication_orale": bad})
    with pytest.raises(sorts.InvalidSort, match="Compétence inconnue"):
        sorts.check_ratings(SELF, competences, {"voler": 2})


def test_the_self_assessment_groups_competences_by_level_highest_first():
    competences = sorts.competence_list(SELF, extra=["Conduire un chariot"])
    ratings = {c["key"]: 2 for c in competences} | {
        "communication_orale": 4,
        "conduire un chariot": 1,
    }
    with pytest.raises(sorts.InvalidSort, match="Il reste 1 compétence"):
        partial = {k: v for k, v in ratings.items() if k != "conduire un chariot"}
        sorts.self_assessment_summary(SELF, competences, {"ratings": partial})
    summary = sorts.self_assessment_summary(SELF, competences, {"ratings": ratings})
    assert [lv["value"] for lv in summary["levels"]] == [4, 3, 2, 1]
    assert summary["levels"][0]["competences"] == ["Communiquer à l'oral"]
    assert summary["levels"][1]["competences"] == []
    assert len(summary["levels"][2]["competences"]) == 15
    assert summary["levels"][3]["competences"] == ["Conduire un chariot"]
    assert summary["ratings"]["Conduire un chariot"] == 1
    view = sorts.self_assessment_view(SELF, summary)
    assert view["levels"][0]["label"] == SELF["levels"][3]["label"]


def test_consultant_labels_are_one_a_line_trimmed_and_deduplicated():
    assert sorts.clean_labels(" Souder \n\nsouder\nConduire  un chariot\n") == [
        "Souder",
        "Conduire un chariot",
    ]
    with pytest.raises(sorts.InvalidSort, match="trop long"):
        sorts.clean_labels("x" * 201)
