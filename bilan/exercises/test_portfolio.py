"""The portefeuille de compétences: grouping labels whatever their accents, case and spacing
(pure functions, no database)."""

from __future__ import annotations

import pytest

from bilan.exercises.portfolio import group_competences, normalise


@pytest.mark.parametrize(
    "a,b",
    [
        ("Gérer un budget", "gerer un BUDGET"),
        ("  Gérer   un budget. ", "gérer un budget"),
        ("Travailler en équipe", "TRAVAILLER EN ÉQUIPE"),
        ("Accueil d’un public", "accueil d'un public"),
        ("Cœur de métier", "coeur de metier"),
    ],
)
def test_labels_that_differ_only_by_accents_case_or_spacing_have_the_same_key(a, b):
    assert normalise(a) == normalise(b)


def test_different_competences_keep_different_keys():
    assert normalise("Gérer un budget") != normalise("Gérer une équipe")


def test_gerer_un_budget_and_gerer_un_budget_in_capitals_form_one_group_with_both_experiences():
    groups = group_competences(
        [
            ("Gérer un budget", "", "comptable"),
            ("gerer un BUDGET", "", "trésorière"),
            ("Accueillir du public", "", "trésorière"),
        ]
    )
    assert [(g.label, g.experiences) for g in groups] == [
        ("Gérer un budget", ["comptable", "trésorière"]),
        ("Accueillir du public", ["trésorière"]),
    ]
    assert groups[0].spellings == ["Gérer un budget", "gerer un BUDGET"]
    assert groups[0].count == 2


def test_an_experience_showing_a_competence_twice_is_listed_once():
    (group,) = group_competences([("Négocier", "", "vente"), ("negocier", "", "vente")])
    assert group.experiences == ["vente"]


def test_the_label_shown_is_the_spelling_used_most_often():
    (group,) = group_competences(
        [("gerer un budget", "", 1), ("Gérer un budget", "", 2), ("Gérer un budget", "", 3)]
    )
    assert group.label == "Gérer un budget"


def test_the_first_rome_code_given_is_kept_for_the_group():
    (group,) = group_competences([("Gérer un budget", "", 1), ("gérer un budget", "K1404", 2)])
    assert group.rome_code == "K1404"


def test_groups_come_most_shown_first_then_alphabetically_and_empty_labels_are_skipped():
    groups = group_competences(
        [("Zèle", "", 1), ("Écouter", "", 1), ("Animer", "", 1), ("zele", "", 2), ("  ", "", 3)]
    )
    assert [g.label for g in groups] == ["Zèle", "Animer", "Écouter"]


def test_no_competence_gives_an_empty_portfolio():
    assert group_competences([]) == []
