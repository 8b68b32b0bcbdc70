"""Métier search: pure functions on in-memory rows (real ROME 4.0 labels), then the
per-process index built from the database (on the `rome` fixture)."""

from __future__ import annotations

import pytest

from bilan.careers import search
from bilan.careers.models import Appellation, RomeVersion
from bilan.careers.search import (
    EXACT,
    FUZZY,
    QUERY_MAX,
    STARTS,
    WORDS,
    AppellationRow,
    Filters,
    MetierRow,
    build_index,
    edit_distance,
    gendered_forms,
    key,
    parse_filters,
)

NIGHT, WEEKEND, OUTDOORS = 100, 101, 102

METIERS = [
    MetierRow("A1203", "Agent / Agente d'entretien des espaces verts", "A12", "R", "", frozenset({1}), frozenset({OUTDOORS})),
    MetierRow("B1101", "Artiste Plasticien / Plasticienne", "B11", "A", "", frozenset({2}), frozenset()),
    MetierRow("D1102", "Boulanger / Boulangère", "D11", "R", "C", frozenset({1}), frozenset({NIGHT, WEEKEND})),
    MetierRow("D1106", "Vendeur / Vendeuse en alimentation générale", "D11", "E", "S", frozenset({3}), frozenset({WEEKEND})),
    MetierRow("D1108", "Chef boulanger / Cheffe boulangère", "D11", "R", "E", frozenset({1}), frozenset({NIGHT})),
    MetierRow("J1501", "Aide-soignant / Aide-soignante", "J15", "S", "R", frozenset({4}), frozenset({NIGHT, WEEKEND})),
    MetierRow("J1502", "Cadre de santé d'unité de soins ou de service paramédical", "J15", "S", "E", frozenset({4}), frozenset()),
    MetierRow("J1506", "Infirmier / Infirmière en soins généraux (IDE)", "J15", "S", "I", frozenset({4}), frozenset({NIGHT, WEEKEND})),
    MetierRow("J1511", "Infirmier / Infirmière scolaire", "J15", "S", "", frozenset({4}), frozenset()),
    MetierRow("K1203", "Educateur technique spécialisé / Educatrice technique spécialisée", "K12", "S", "R", frozenset({4}), frozenset()),
    MetierRow("K1207", "Educateur spécialisé / Educatrice spécialisée", "K12", "S", "", frozenset({4}), frozenset({WEEKEND})),
    MetierRow("M1203", "Comptable", "M12", "C", "", frozenset({5}), frozenset()),
    MetierRow("M1805", "Développeur / Développeuse informatique", "M18", "I", "C", frozenset({5}), frozenset()),
]  # fmt: skip

APPELLATIONS = [
    AppellationRow(488643, "A1203", "Agent / Agente d'entretien des espaces verts", principal=True),
    AppellationRow(17515, "A1203", "Ouvrier / Ouvrière paysagiste"),
    AppellationRow(38436, "A1203", "Aide jardinier / Aide jardinière"),
    AppellationRow(11161, "B1101", "Artiste Plasticien / Plasticienne", principal=True),
    AppellationRow(11656, "B1101", "Calligraphe"),
    AppellationRow(11560, "D1102", "Boulanger / Boulangère", principal=True),
    AppellationRow(11564, "D1102", "Boulanger-pâtissier / Boulangère-pâtissière"),
    AppellationRow(11565, "D1106", "Vendeur / Vendeuse en boulangerie-pâtisserie"),
    AppellationRow(11570, "D1106", "Vendeur / Vendeuse en alimentation générale", principal=True),
    AppellationRow(11562, "D1108", "Chef boulanger / Cheffe boulangère", principal=True),
    AppellationRow(11001, "J1501", "Aide-soignant / Aide-soignante", principal=True),
    AppellationRow(404482, "J1502", "Cadre de santé"),
    AppellationRow(
        11629, "J1502", "Cadre de santé d'unité de soins ou de service paramédical", principal=True
    ),
    AppellationRow(
        15545, "J1506", "Infirmier / Infirmière en soins généraux (IDE)", principal=True
    ),
    AppellationRow(15553, "J1506", "Infirmier libéral / Infirmière libérale", rarely_used=True),
    AppellationRow(15554, "J1506", "Infirmier / Infirmière militaire"),
    AppellationRow(15600, "J1511", "Infirmier / Infirmière scolaire", principal=True),
    AppellationRow(
        14500,
        "K1203",
        "Educateur technique spécialisé / Educatrice technique spécialisée",
        principal=True,
    ),
    AppellationRow(14597, "K1207", "Educateur spécialisé / Educatrice spécialisée", principal=True),
    AppellationRow(14599, "K1207", "Educateur spécialisé / Educatrice spécialisée de rue"),
    AppellationRow(12786, "M1203", "Comptable", principal=True),
    AppellationRow(12787, "M1203", "Comptable analytique"),
    AppellationRow(14153, "M1805", "Développeur / Développeuse informatique", principal=True),
    AppellationRow(18192, "M1805", "Programmeur / Programmeuse informatique"),
    AppellationRow(99999, "Z9999", "Métier inconnu"),  # its métier is not in the referential
]


@pytest.fixture(scope="module")
def index() -> search.Index:
    return build_index(METIERS, APPELLATIONS, version="60")


def codes(index: search.Index, query: str, filters: Filters | None = None, **kw) -> list[str]:
    return [h.code_rome for h in search.search(index, query, filters, **kw).hits]


def first(index: search.Index, query: str) -> search.Hit:
    return search.search(index, query).hits[0]


# ---- normalisation ---------------------------------------------------------------------------


def test_keys_ignore_accents_case_apostrophes_and_hyphens() -> None:
    assert key("Agent / Agente d’entretien") == key("AGENT / agente d'entretien")
    assert key("Aide-soignante") == "aide soignante"
    assert key("Manœuvre des ÉLÉMENTS") == "manoeuvre des elements"


def test_gendered_forms_expand_rome_labels() -> None:
    assert gendered_forms("Infirmier / Infirmière") == ["Infirmier", "Infirmière"]
    assert gendered_forms("Agent administratif / Agente administrative de banque") == [
        "Agent administratif de banque",
        "Agente administrative de banque",
    ]
    assert gendered_forms("Artiste Plasticien / Plasticienne") == [
        "Artiste Plasticien",
        "Artiste Plasticienne",
    ]
    assert gendered_forms("Comptable") == ["Comptable"]
    assert gendered_forms("Secrétaire médical / Secrétaire médicale") == [
        "Secrétaire médical",
        "Secrétaire médicale",
    ]


def test_edit_distance_counts_a_swap_as_one_and_stops_past_its_cap() -> None:
    assert edit_distance("infirmeir", "infirmier", 2) == 1
    assert edit_distance("boulangr", "boulanger", 1) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3


# ---- matching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["infirmière", "infirmier", "INFIRMIERE", "Infirmiere", "  infirmière  "],
)
def test_either_gendered_form_in_any_case_finds_the_nurses(index, query) -> None:
    assert set(codes(index, query)) == {"J1506", "J1511"}


@pytest.mark.parametrize(
    "query",
    [
        "educatrice specialisee",
        "Éducateur spécialisé",
        "ÉDUCATRICE SPÉCIALISÉE",
        "educateur specialise",
    ],
)
def test_specialised_educator_is_found_in_both_forms_without_accents(index, query) -> None:
    hit = first(index, query)
    assert (hit.code_rome, hit.tier) == ("K1207", EXACT)


def test_a_feminine_form_with_its_shared_tail_is_an_exact_label(index) -> None:
    hit = first(index, "agente d'entretien des espaces verts")
    assert (hit.code_rome, hit.tier) == ("A1203", EXACT)
    # Small words (d', des) do not have to be typed.
    assert first(index, "agente entretien espaces verts").tier == EXACT
    assert first(index, "Agent / Agente d'entretien des espaces verts").tier == EXACT


def test_words_match_as_prefixes_in_any_order(index) -> None:
    assert codes(index, "espaces agent") == ["A1203"]
    assert codes(index, "dev info") == ["M1805"]
    assert first(index, "dev info").tier == WORDS


def test_a_live_prefix_finds_labels_starting_with_it(index) -> None:
    hit = first(index, "infirmi")
    assert hit.tier == STARTS
    assert first(index, "educatrice spe").code_rome == "K1207"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("boulangr", "D1102"),  # 8 letters: one letter missing
        ("infirmeire militaire", "J1506"),  # two letters swapped
        ("comptabel", "M1203"),  # 9 letters: up to 2 edits
        ("developeur informatiqe", "M1805"),
        ("educatrise specialisee", "K1207"),
    ],
)
def test_small_typos_are_tolerated(index, query, expected) -> None:
    hits = search.search(index, query).hits
    assert hits and hits[0].code_rome == expected
    assert hits[0].tier == FUZZY and hits[0].edits >= 1


def test_typos_are_not_tolerated_in_short_words_nor_beyond_the_allowance(index) -> None:
    assert codes(index, "aode") == []  # 4 letters: no typo allowed (not « aide »)
    assert codes(index, "bxxlxnger") == []  # 9 letters, 3 edits from « boulanger »
    assert codes(index, "bolangr") == []  # 7 letters, 2 edits


def test_appellations_are_searched_and_shown_grouped_by_metier(index) -> None:
    hits = search.search(index, "programmeuse").hits
    assert [(h.code_rome, h.appellation, h.metier_label) for h in hits] == [
        (
            "M1805",
            "Programmeur / Programmeuse informatique",
            "Développeur / Développeuse informatique",
        )
    ]
    # One row per métier, its best appellation shown.
    assert codes(index, "infirmier") == ["J1511", "J1506"]  # both principal: shorter first
    assert len(codes(index, "educateur")) == 2


def test_appellations_of_unknown_metiers_are_left_out(index) -> None:
    assert codes(index, "metier inconnu") == []


# ---- ranking ----------------------------------------------------------------------------------


def test_exact_label_beats_starts_with_beats_word_prefixes_beats_typos(index) -> None:
    # « Boulanger / Boulangère » exact; « Boulanger-pâtissier » of the same métier merges into
    # it; « Chef boulanger » has the word; « Vendeur … en boulangerie » a word starting with it.
    assert codes(index, "boulanger") == ["D1102", "D1108", "D1106"]
    tiers = [h.tier for h in search.search(index, "boulanger").hits]
    assert tiers == [EXACT, WORDS, WORDS]
    assert codes(index, "boulangere")[0] == "D1102"


def test_starts_with_ranks_above_a_word_in_the_middle(index) -> None:
    outcome = search.search(index, "aide")
    assert [h.code_rome for h in outcome.hits] == ["J1501", "A1203"]
    assert [h.tier for h in outcome.hits] == [STARTS, STARTS]
    # « aide-soignant » is the métier's label (principal): it wins the tie.
    assert outcome.hits[0].appellation == "Aide-soignant / Aide-soignante"


def test_the_principal_appellation_breaks_ties(index) -> None:
    # Both J1502 appellations start with « cadre de sante »: the métier's label is shown.
    hit = first(index, "cadre de sante d'unite")
    assert hit.appellation == "Cadre de santé d'unité de soins ou de service paramédical"
    # Tie between two métiers on the same tier: the principal appellations win, shorter first.
    assert codes(index, "educateur spe") == ["K1207", "K1203"]


def test_rarely_used_appellations_rank_lower(index) -> None:
    # « libérale » exists only as a rare appellation; it is found, but for « infirmière »
    # the usual ones come first and the métier shows its usual appellation.
    assert (
        first(index, "infirmiere liberale").appellation == "Infirmier libéral / Infirmière libérale"
    )
    hits = search.search(index, "infirmiere").hits
    assert all("libéral" not in h.appellation for h in hits)


def test_the_order_is_deterministic(index) -> None:
    again = build_index(list(reversed(METIERS)), list(reversed(APPELLATIONS)), version="60")
    for query in ["in", "a", "e", "boulanger", "infirmiere", "educ", "comptabel"]:
        assert search.search(index, query).hits == search.search(again, query).hits


# ---- filters ------------------------------------------------------------------------------------


def test_filter_by_grand_domaine_or_domaine_professionnel(index) -> None:
    assert set(codes(index, "s", Filters(domaine="J"))) == {"J1501", "J1502", "J1506", "J1511"}
    assert codes(index, "boulanger", Filters(domaine="D11")) == ["D1102", "D1108", "D1106"]
    assert codes(index, "boulanger", Filters(domaine="J15")) == []


def test_filter_by_riasec_major_or_minor(index) -> None:
    assert codes(index, "boulanger", Filters(riasec="E")) == ["D1106"]
    assert codes(index, "boulanger", Filters(riasec="E", riasec_minor_too=True)) == [
        "D1108",
        "D1106",
    ]


def test_filter_by_centre_interet(index) -> None:
    assert codes(index, "boulanger", Filters(centre=3)) == ["D1106"]


def test_filter_by_contexts_to_avoid_or_to_require(index) -> None:
    assert codes(index, "boulanger", Filters(avoid_contextes=frozenset({NIGHT}))) == ["D1106"]
    assert codes(index, "infirmiere", Filters(avoid_contextes=frozenset({NIGHT, WEEKEND}))) == [
        "J1511"
    ]
    assert codes(index, "boulanger", Filters(require_contextes=frozenset({NIGHT, WEEKEND}))) == [
        "D1102"
    ]


def test_parse_filters_ignores_what_is_malformed() -> None:
    f = parse_filters(domaine="j15", riasec="s+", centre="4", avoid_contexte=["100", "x", ""])
    assert f == Filters(
        domaine="J15",
        riasec="S",
        riasec_minor_too=True,
        centre=4,
        avoid_contextes=frozenset({100}),
    )
    assert parse_filters(domaine="'; drop", riasec="Z", centre="abc") == Filters()
    assert not parse_filters().active


# ---- bad input ----------------------------------------------------------------------------------


def test_an_empty_query_without_filters_lists_nothing_and_prompts(index) -> None:
    outcome = search.search(index, "   ")
    assert outcome.hits == [] and outcome.empty
    assert "Tapez un métier" in outcome.messages[0]


def test_an_empty_query_with_filters_lists_the_filtered_metiers_alphabetically(index) -> None:
    outcome = search.search(index, "", Filters(domaine="J15"), limit=3)
    assert [h.code_rome for h in outcome.hits] == ["J1501", "J1502", "J1506"]
    assert outcome.total == 4 and not outcome.messages


@pytest.mark.parametrize(
    "query",
    [
        "x" * 500,
        "!!!???...;;;",
        "'; DROP TABLE careers_metier; --",
        "1=1 OR ''=''",
        "<script>alert(1)</script>",
        "le la les de des",
        "\x00\u200b",
        "zzzzqqqqwwww",
    ],
)
def test_an_absurd_query_says_no_metier_matches_and_never_fails(index, query) -> None:
    outcome = search.search(index, query)
    assert outcome.hits == []
    assert any(m.startswith(("Aucun métier ne correspond", "Tapez")) for m in outcome.messages)


def test_a_long_query_is_cut_with_a_message(index) -> None:
    outcome = search.search(index, "infirmière " * 30)
    assert outcome.truncated and len(outcome.query) <= QUERY_MAX
    assert "raccourcie à 100 caractères" in outcome.messages[0]


def test_limit_is_bounded(index) -> None:
    assert len(search.search(index, "a", limit=2).hits) == 2
    assert len(search.search(index, "a", limit=0).hits) == 1
    assert search.search(index, "a", limit=2).total > 2


# ---- the per-process index from the database -------------------------------------------------------


def test_the_index_is_built_from_the_current_version_and_rebuilt_when_it_changes(rome) -> None:
    search.forget_index()
    index = search.current_index()
    assert index.version == rome.number
    assert index.size == Appellation.objects.count()
    assert search.current_index() is index  # cached
    hit = search.search(index, "infirmière").hits[0]
    assert hit.code_rome == "J1506"

    RomeVersion.objects.filter(pk=rome.pk).update(is_current=False)
    newer = RomeVersion.objects.create(number="61", source="test", is_current=True)
    rebuilt = search.current_index()
    assert rebuilt is not index and rebuilt.version == "61"
    newer.delete()
    RomeVersion.objects.filter(pk=rome.pk).update(is_current=True)
    search.forget_index()


def test_without_any_import_the_index_is_empty(db) -> None:
    search.forget_index()
    outcome = search.search(search.current_index(), "infirmière")
    assert outcome.hits == []
    search.forget_index()
