"""Scoring against hand-computed vectors, and the French item banks complete and keyed."""

import json
from pathlib import Path

import pytest

from bilan.assessments.instruments import get_instrument, latest_instruments
from bilan.assessments.scoring import (
    IncompleteAnswers,
    InvalidAnswer,
    check_answer,
    holland_groups,
    norm_for,
    percentile,
    score_big_five,
    score_riasec,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "instruments"
REVERSED_120 = {
    9, 19, 24, 30, 39, 40, 48, 49, 51, 53, 54, 60, 62, 67, 68, 69, 70, 73, 74, 75, 78, 79, 80,
    81, 83, 84, 85, 88, 89, 90, 92, 94, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107,
    108, 109, 110, 111, 113, 114, 115, 116, 118, 119, 120,
}  # fmt: skip


def riasec_answers(values: dict[str, list[int]]) -> dict[str, int]:
    """Answers from 8 values per type, in item order R1…R8."""
    return {f"{t}{i + 1}": v for t, vs in values.items() for i, v in enumerate(vs)}


# ---- item banks ---------------------------------------------------------------------


def test_the_riasec_bank_has_48_french_items_interleaved_8_per_type():
    riasec = get_instrument("riasec_48")
    ids = [item["id"] for item in riasec.items]
    assert len(ids) == 48 == len(set(ids))
    assert ids[:7] == ["R1", "I1", "A1", "S1", "E1", "C1", "R2"]
    assert ids[-1] == "C8"
    for t in "RIASEC":
        assert [i for i in ids if i[0] == t] == [f"{t}{n}" for n in range(1, 9)]
    assert all(item["scale"] == item["id"][0] and item["keyed"] == "plus" for item in riasec.items)
    assert all(item["text"].strip() and item["text"] != item["text_en"] for item in riasec.items)
    assert [c["value"] for c in riasec.data["response_scale"]] == [1, 2, 3, 4, 5]


def test_the_ipip_neo_120_bank_keeps_johnsons_order_facets_and_keys():
    ipip = get_instrument("ipip_neo_120")
    assert [item["id"] for item in ipip.items] == [str(n) for n in range(1, 121)]
    for n, item in enumerate(ipip.items, start=1):
        assert item["domain"] == "NEOAC"[(n - 1) % 5]
        assert item["facet"] == f"{item['domain']}{(n - 1) // 5 % 6 + 1}"
        assert (item["keyed"] == "minus") == (n in REVERSED_120), n
        assert item["text"].strip()
    assert len({item["text"] for item in ipip.items}) == 120
    assert len(ipip.facets) == 30 and len(ipip.scales) == 5
    assert len(ipip.norms["groups"]) == 8


def test_the_french_banks_match_the_english_sources_item_for_item():
    lines = (SHARED / "ipip-neo-120-en.tsv").read_text().splitlines()[1:]
    ipip = {item["id"]: item for item in get_instrument("ipip_neo_120").items}
    for line in lines:
        number, domain, facet, keyed, text = line.split("\t")
        item = ipip[number]
        assert (item["domain"], item["facet"], item["keyed"], item["text_en"]) == (
            domain,
            f"{domain}{facet}",
            keyed,
            text,
        )
    lines = (SHARED / "riasec-markers-48-en.tsv").read_text().splitlines()[1:]
    riasec = {item["id"]: item for item in get_instrument("riasec_48").items}
    for line in lines:
        item_id, scale, text = line.split("\t")
        assert (riasec[item_id]["scale"], riasec[item_id]["text_en"]) == (scale, text)


def test_the_mini_ipip_has_20_items_keyed_as_donnellan_with_intellect_under_o():
    mini = get_instrument("mini_ipip_20")
    assert [item["id"] for item in mini.items] == [str(n) for n in range(1, 21)]
    assert [item["domain"] for item in mini.items[:5]] == ["E", "A", "C", "N", "O"]
    assert {int(i["id"]) for i in mini.items if i["keyed"] == "minus"} == {
        6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20,
    }  # fmt: skip
    assert mini.norms is None


def test_every_instrument_file_declares_its_presentation_source_and_licence():
    for instrument in latest_instruments():
        about = instrument.about
        assert about["measures"] and about["interpreted_by"] and about["use_of_results"]
        assert about["duration_minutes"] > 0
        assert instrument.data["source"] and instrument.data["licence"]
    data = Path(__file__).parent / "data"
    assert {p.name for p in data.glob("*.json")} >= {
        "riasec_48_v1.json",
        "ipip_neo_120_v1.json",
        "mini_ipip_20_v1.json",
        "work_values_v1.json",
        "self_assessment_v1.json",
    }
    for path in data.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))


# ---- RIASEC ---------------------------------------------------------------------------


def test_riasec_sums_each_type_and_gives_the_three_highest():
    data = get_instrument("riasec_48").data
    answers = riasec_answers(
        {
            "R": [1, 2, 1, 2, 1, 2, 1, 2],  # 12
            "I": [5, 5, 4, 4, 5, 5, 4, 4],  # 36
            "A": [3] * 8,  # 24
            "S": [5, 5, 5, 5, 5, 5, 5, 4],  # 39
            "E": [2] * 8,  # 16
            "C": [4, 4, 4, 4, 3, 3, 3, 3],  # 28
        }
    )
    result = score_riasec(data, answers)
    assert result["raw"] == {"R": 12, "I": 36, "A": 24, "S": 39, "E": 16, "C": 28}
    assert result["code"] == "S-I-C"
    assert result["undifferentiated"] is False
    assert result["differentiation"] == 27


def test_tied_types_are_shown_together_in_hexagon_order():
    assert holland_groups({"R": 30, "I": 20, "A": 20, "S": 35, "E": 10, "C": 10}) == [
        ["S"],
        ["R"],
        ["I", "A"],
    ]
    # A tie crossing the third place is kept whole.
    assert holland_groups({"R": 40, "I": 30, "A": 25, "S": 25, "E": 25, "C": 8}) == [
        ["R"],
        ["I"],
        ["A", "S", "E"],
    ]
    data = get_instrument("riasec_48").data
    tied = riasec_answers(
        {"R": [5] * 8, "I": [5] * 8, "A": [1] * 8, "S": [3] * 8, "E": [3] * 8, "C": [2] * 8}
    )
    assert score_riasec(data, tied)["code"] == "R/I-S/E"


def test_six_equal_types_are_an_undifferentiated_profile():
    data = get_instrument("riasec_48").data
    flat = riasec_answers({t: [3] * 8 for t in "RIASEC"})
    result = score_riasec(data, flat)
    assert result["undifferentiated"] is True
    assert result["code"] == "" and result["code_groups"] == []


def test_an_incomplete_riasec_cannot_be_scored_and_names_what_is_missing():
    data = get_instrument("riasec_48").data
    answers = riasec_answers({t: [3] * 8 for t in "RIASEC"})
    del answers["I5"], answers["C8"]
    with pytest.raises(IncompleteAnswers) as missing:
        score_riasec(data, answers)
    assert missing.value.missing == ["I5", "C8"]


def test_answers_out_of_range_or_unknown_items_are_refused():
    data = get_instrument("riasec_48").data
    assert check_answer(data, "R1", 5) == 5
    for value in (0, 6, "3", 2.5, None, True):
        with pytest.raises(InvalidAnswer) as error:
            check_answer(data, "R1", value)
        assert error.value.reason == "range"
    with pytest.raises(InvalidAnswer) as error:
        check_answer(data, "Z9", 3)
    assert error.value.reason == "unknown"


# ---- Big Five -------------------------------------------------------------------------


def test_ipip_neo_120_reverses_its_keys_and_sums_facets_and_domains():
    data = get_instrument("ipip_neo_120").data
    # Every answer 5: a plus-keyed item scores 5, a minus-keyed one 1.
    answers = {str(n): 5 for n in range(1, 121)}
    result = score_big_five(data, answers)
    # N: 24 items, minus-keyed: 96 101 106 51 81 111 116 → 17 × 5 + 7 × 1
    assert result["raw"]["N"] == 17 * 5 + 7
    assert result["facets"]["N1"] == 20  # 1 31 61 91, none reversed
    assert result["facets"]["N5"] == 5 + 1 + 1 + 1  # 21, 51R 81R 111R
    assert result["facets"]["A2"] == 4  # 9R 39R 69R 99R
    assert result["facets"]["E5"] == 20
    assert sum(result["facets"][f"C{k}"] for k in range(1, 7)) == result["raw"]["C"]
    assert result["raw"] == {
        d: sum(result["facets"][f"{d}{k}"] for k in range(1, 7)) for d in "NEOAC"
    }
    assert result["norms"] is None  # no age band chosen: no comparison


def test_t_scores_and_percentiles_use_the_chosen_norm_group():
    data = get_instrument("ipip_neo_120").data
    answers = {str(n): 3 for n in range(1, 121)}  # every domain 72
    result = score_big_five(data, answers, sex="F", age_band="21-40")
    norms = result["norms"]
    # Women 21–40: N 72.14/16.16, E 80.78/14.64, O 88.25/12.15, A 91.91/11.39, C 87.57/13.87
    assert norms["t"]["N"] == pytest.approx(50 + 10 * (72 - 72.14) / 16.16, abs=0.05)
    assert norms["t"]["A"] == pytest.approx(50 + 10 * (72 - 91.91) / 11.39, abs=0.05)
    assert norms["level"]["N"] == "medium" and norms["level"]["A"] == "low"
    assert norms["percentile"]["N"] == 50
    assert "anglophone" in norms["label"]


def test_without_a_sex_the_norm_is_the_mean_of_womens_and_mens():
    norms = get_instrument("ipip_neo_120").norms
    mixed = norm_for(norms, sex="", age_band="41-60")
    assert mixed["mean"]["N"] == pytest.approx((64.11 + 67.38) / 2)
    assert mixed["sd"]["C"] == pytest.approx((13.35 + 12.94) / 2)
    assert norm_for(norms, sex="M", age_band=">60")["mean"]["C"] == 95.31
    assert norm_for(norms, sex="F", age_band="") is None


def test_the_percentile_follows_five_factor_e_and_clamps_t():
    assert percentile(50) == 50
    assert percentile(32) == percentile(20) == 2
    assert percentile(73) == percentile(90) == 99
    assert percentile(60) == round(210.336 - 16.738 * 60 + 0.40594 * 3600 - 0.0027062 * 216000)


def test_the_mini_ipip_reverses_its_keys_and_reports_intellect_as_o():
    data = get_instrument("mini_ipip_20").data
    answers = {str(n): (5 if n <= 5 else 1) for n in range(1, 21)}
    result = score_big_five(data, answers)
    # Items 1–5 (plus) answered 5; 6–20 answered 1: minus-keyed score 5, plus-keyed (11–14) 1.
    # E: 1 (5), 6R (5), 11 (1), 16R (5) = 16; O: 5 (5), 10R 15R 20R (5 each) = 20
    assert result["raw"] == {"N": 5 + 5 + 1 + 5, "E": 16, "O": 20, "A": 16, "C": 16}
    assert result["norms"] is None and result["facets"] == {}
