"""The matching, pure: properties on a synthetic referential (no database)."""

from __future__ import annotations

import itertools
import random

import pytest

from bilan.careers.matching import (
    CLASH_PENALTY,
    COMPETENCES,
    INTERESTS,
    LabelIndex,
    MetierFacts,
    Profile,
    Referential,
    congruence,
    hexagon_score,
    holland_readings,
    rank,
    resolve_portfolio,
    significant_words,
)

LETTERS = "RIASEC"
CENTRES = {c: f"Centre {c}" for c in range(1, 31)}
CONTEXTS = {500 + c: f"Contexte {c}" for c in range(1, 11)} | {599: "Travail le week-end"}


def synthetic(seed: int = 5) -> Referential:
    """60 métiers, every major/minor pair at least once, skills, centres and contexts."""
    rng = random.Random(seed)
    metiers = []
    skill_labels = {}
    for n, (major, minor) in enumerate(
        itertools.chain(
            ((a, b) for a in LETTERS for b in LETTERS if a != b), ((a, "") for a in LETTERS)
        )
    ):
        code = f"{'ABCDEFGHIJKLMN'[n % 14]}{1100 + n}"
        skills = {}
        for k in range(8):
            ogr = 10_000 + n * 10 + k
            skill_labels[ogr] = f"Savoir-faire {n} numéro {k}"
            skills[ogr] = ("principale", "emergente", "", "")[k % 4]
        metiers.append(
            MetierFacts(
                code_rome=code,
                label=f"Métier {code}",
                major=major,
                minor=minor,
                centres={c: i == 0 for i, c in enumerate(rng.sample(sorted(CENTRES), 3))},
                skills=skills,
                contexts=frozenset(rng.sample(sorted(CONTEXTS), 2)),
            )
        )
    return Referential(
        version="60",
        metiers=metiers,
        centre_labels=CENTRES,
        skill_labels=skill_labels | {90_001: "Accueillir les clients", 90_002: "Souder"},
        context_labels=CONTEXTS,
    )


REF = synthetic()


def scores(letter_high: str, high: int = 38, low: int = 10) -> dict[str, int]:
    return {t: high if t == letter_high else low for t in LETTERS}


def test_hexagon_scores_same_adjacent_alternate_opposite():
    assert [hexagon_score("R", t) for t in LETTERS] == [3, 2, 1, 0, 1, 2]
    assert hexagon_score("S", "E") == 2 and hexagon_score("I", "E") == 0


def test_congruence_is_brown_and_gore_c_index_over_its_maximum():
    assert congruence("SE", "S", "E") == 1.0
    assert congruence("SE", "E", "S") == pytest.approx((3 * 2 + 2 * 2) / 15)
    assert congruence("RI", "S", "E") == 0.0  # R opposite S, I opposite E
    assert congruence("RI", "R") == 1.0  # no minor: first position only


def test_holland_readings_follow_the_tie_rule_of_scoring():
    assert holland_readings({"R": 30, "I": 20, "A": 10, "S": 5, "E": 5, "C": 5}) == (
        ["RI"],
        "R-I-A",
    )
    readings, code = holland_readings({"R": 30, "I": 30, "A": 10, "S": 5, "E": 5, "C": 5})
    assert (readings, code) == (["IR", "RI"], "R/I-A")
    assert holland_readings(dict.fromkeys(LETTERS, 20)) == ([], "")


def test_a_pure_r_profile_ranks_r_major_metiers_first():
    ranking = rank(REF, Profile(riasec=scores("R")), limit=6)
    assert ranking.enough
    assert [s.riasec[0] for s in ranking.suggestions] == ["R"] * 6
    full = rank(REF, Profile(riasec=scores("R")), limit=len(REF.metiers))
    majors = [s.riasec[0] for s in full.suggestions]
    assert majors[: majors.count("R")] == ["R"] * majors.count("R")


@pytest.mark.parametrize("letter", list(LETTERS))
def test_every_pure_profile_ranks_its_major_first(letter):
    ranking = rank(REF, Profile(riasec=scores(letter)), limit=6)
    assert {s.riasec[0] for s in ranking.suggestions} == {letter}


def by_code(ranking, code):
    return next(s for s in ranking.suggestions if s.code_rome == code)


def test_competences_held_raise_a_metier():
    base = Profile(riasec=scores("S"))
    target = REF.metiers[3]
    before = rank(REF, base, limit=len(REF.metiers))
    held = {code: f"Ma compétence {code}" for code in list(target.skills)[:3]}
    after = rank(
        REF,
        Profile(riasec=scores("S"), held=held, portfolio_labels=tuple(held.values())),
        limit=len(REF.metiers),
    )
    old, new = by_code(before, target.code_rome), by_code(after, target.code_rome)
    assert new.components[COMPETENCES] > 0
    assert new.rank < old.rank


def test_a_context_clash_lowers_a_metier_but_does_not_exclude_it():
    profile = Profile(riasec=scores("A"))
    before = rank(REF, profile, limit=len(REF.metiers))
    top = before.suggestions[0]
    metier = REF.metier(top.code_rome)
    avoided = frozenset(sorted(metier.contexts)[:1])
    after = rank(REF, Profile(riasec=scores("A"), avoided_contexts=avoided), limit=len(REF.metiers))
    clashed = by_code(after, top.code_rome)
    assert clashed.score == top.score - CLASH_PENALTY
    assert clashed.rank > top.rank
    assert clashed.clashes == [CONTEXTS[next(iter(avoided))]]
    assert f"Contexte à éviter présent : {CONTEXTS[next(iter(avoided))]}." in clashed.reasons


def test_reasons_name_the_facts_used():
    target = REF.metiers[0]  # R major, I minor
    centres = sorted(target.centres)
    held_code = next(iter(target.skills))
    profile = Profile(
        riasec={"R": 40, "I": 30, "A": 10, "S": 8, "E": 8, "C": 8},
        chosen_centres=frozenset(centres[:2]),
        ranked_centres=(centres[1],),
        held={held_code: "Conduire un tracteur"},
        portfolio_labels=("Conduire un tracteur",),
        avoided_contexts=frozenset(target.contexts),
    )
    s = by_code(rank(REF, profile, limit=len(REF.metiers)), target.code_rome)
    text = "\n".join(s.reasons)
    assert "Votre code Holland RI correspond au code RIASEC du métier (R majeur, I mineur)." in text
    assert "2 centres d'intérêt en commun : " in text
    assert CENTRES[centres[0]] in text and CENTRES[centres[1]] in text
    assert "(dont votre n° 1)" in text
    assert "1 compétence de votre portefeuille est demandée : Conduire un tracteur." in text
    assert "Contextes à éviter présents : " in text
    assert s.held == ["Conduire un tracteur"]
    assert held_code not in [c for c in target.skills if REF.skill_labels[c] in s.to_acquire]
    assert all(label in REF.skill_labels.values() for label in s.to_acquire)


def test_missing_inputs_renormalise_the_weights_and_the_reasons_say_so():
    ranking = rank(REF, Profile(riasec=scores("C")))
    assert ranking.used == [INTERESTS]
    assert ranking.weights == {INTERESTS: 1.0}
    assert ranking.suggestions[0].score == 100
    assert not any("RIASEC" in n for n in ranking.notes)
    assert any("Aucun centre d'intérêt choisi" in n for n in ranking.notes)
    assert all(
        "Non pris en compte, faute d'éléments : centres d'intérêt, compétences du portefeuille."
        in s.reasons
        for s in ranking.suggestions
    )
    no_riasec = rank(REF, Profile(chosen_centres=frozenset({1, 2})))
    assert any("Pas de résultat au test RIASEC" in n for n in no_riasec.notes)


def test_it_is_deterministic_and_breaks_ties_by_code_rome():
    profile = Profile(riasec=scores("E"), chosen_centres=frozenset({3, 7}))
    first = rank(REF, profile, limit=30).as_json()
    shuffled = list(REF.metiers)
    random.Random(1).shuffle(shuffled)
    again = Referential(
        version="60",
        metiers=shuffled,
        centre_labels=REF.centre_labels,
        skill_labels=REF.skill_labels,
        context_labels=REF.context_labels,
    )
    assert rank(again, profile, limit=30).as_json() == first
    pure = rank(REF, Profile(riasec=scores("E")), limit=30).suggestions
    assert len({s.score for s in pure}) > 1
    for a, b in itertools.pairwise(pure):
        assert a.score > b.score or (a.score == b.score and a.code_rome < b.code_rome)


def test_pinned_metiers_always_appear_and_excluded_never():
    profile = Profile(riasec=scores("R"))
    top = rank(REF, profile, limit=10).suggestions
    worst = rank(REF, profile, limit=len(REF.metiers)).suggestions[-1]
    decided = Profile(
        riasec=scores("R"),
        pinned={worst.code_rome: "Son ancien métier"},
        excluded=frozenset({top[0].code_rome}),
    )
    ranking = rank(REF, decided, limit=10)
    codes = [s.code_rome for s in ranking.suggestions]
    assert len(codes) == 10
    assert top[0].code_rome not in codes
    pinned = by_code(ranking, worst.code_rome)
    assert pinned.pinned and pinned.pin_reason == "Son ancien métier"
    assert pinned.reasons[0] == "Épinglé par votre consultant·e : Son ancien métier."
    assert ranking.excluded == 1 and ranking.ranked == len(REF.metiers) - 1


def test_an_empty_profile_gives_not_enough_elements_not_a_random_list():
    ranking = rank(REF, Profile())
    assert not ranking.enough
    assert ranking.suggestions == []
    assert ranking.notes[0].startswith("Pas assez d'éléments pour proposer des pistes")
    avoid_only = rank(REF, Profile(avoided_contexts=frozenset({599})))
    assert not avoid_only.enough and avoid_only.suggestions == []
    pinned = rank(REF, Profile(pinned={REF.metiers[5].code_rome: ""}))
    assert [s.code_rome for s in pinned.suggestions] == [REF.metiers[5].code_rome]
    assert pinned.suggestions[0].reasons[0] == "Épinglé par votre consultant·e."


def test_an_undifferentiated_riasec_profile_is_not_used():
    ranking = rank(REF, Profile(riasec=dict.fromkeys(LETTERS, 24)))
    assert not ranking.enough
    assert any("indifférencié" in n for n in ranking.notes)


def test_ranked_centres_weigh_more_than_merely_chosen_ones():
    a, b = REF.metiers[10], REF.metiers[20]
    ca = next(c for c in a.centres if c not in b.centres)
    cb = next(c for c in b.centres if c not in a.centres)
    profile = Profile(chosen_centres=frozenset({ca, cb}), ranked_centres=(cb,))
    ranking = rank(REF, profile, limit=len(REF.metiers))
    assert by_code(ranking, b.code_rome).score > by_code(ranking, a.code_rome).score


def test_scores_stay_between_0_and_100():
    rng = random.Random(3)
    for _ in range(30):
        profile = Profile(
            riasec={t: rng.randint(8, 40) for t in LETTERS},
            chosen_centres=frozenset(rng.sample(sorted(CENTRES), 8)),
            ranked_centres=tuple(rng.sample(sorted(CENTRES), 5)),
            held={c: "x" for c in rng.sample(sorted(REF.skill_labels), 40)},
            portfolio_labels=("x",),
            avoided_contexts=frozenset(rng.sample(sorted(CONTEXTS), 3)),
        )
        for s in rank(REF, profile, limit=len(REF.metiers)).suggestions:
            assert 0 <= s.score <= 100
            assert all(v is None or 0 <= v <= 100 for v in s.components.values())


def test_significant_words_drop_accents_small_words_and_plurals():
    assert significant_words("Accueillir les Clients") == {"accueillir", "client"}
    assert significant_words("Gérer l'équipe") == {"gerer", "equipe"}


def test_portfolio_labels_resolve_exactly_or_by_contained_words():
    index = LabelIndex.build(
        {
            1: "Accueillir les clients",
            2: "Gestion de budget prévisionnel",
            3: "Budget",
            4: "Souder des pièces métalliques",
        }
    )
    assert index.resolve("accueillir  LES clients.") == [1]  # exact once normalised
    assert index.resolve("Accueillir des clients au magasin") == [1]  # item ⊆ label
    assert index.resolve("Gestion budget") == [2]  # label ⊆ item
    assert index.resolve("budget") == [3]  # one word: exact only
    assert index.resolve("soudure") == []
    assert index.resolve("pièces") == []


def test_a_linked_ogr_code_counts_directly():
    held = resolve_portfolio([("Mon libellé à moi", "90002"), ("Accueillir les clients", "")], REF)
    assert held == {90_002: "Mon libellé à moi", 90_001: "Accueillir les clients"}
    assert resolve_portfolio([("Rien à voir", "12"), ("Rien", "")], REF) == {}
