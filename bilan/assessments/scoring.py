"""Scoring, one pure function per instrument family (no ORM, no I/O): answers in, scores out.

Answers are `{item id: value}` with the values of the instrument's response scale (1–5).
Results give raw sums keyed by scale code, then derived scores:

- RIASEC (Armstrong, Allison & Rounds 2008): type score = sum of its 8 items (8–40). The
  Holland code is the three highest types. **Tie rule**: types with equal scores are one
  group, shown together ("S/E") and listed in hexagon order R I A S E C, which carries no
  meaning; groups are taken from the highest until three letters are reached, and a group
  that crosses the third place is kept whole ("R-I/A/S"). All six equal → undifferentiated.
- Big Five (IPIP-NEO-120, Mini-IPIP): a reverse-keyed item scores 6 − answer; facets and
  domains are sums. With norms (IPIP-NEO-120 only), T = 50 + 10·(raw − mean)/SD against the
  chosen group (sex and age band; the mean of the women's and men's norms when the sex is
  not given), T < 45 low, T > 55 high, and the approximate percentile of five-factor-e:
  210.336 − 16.738T + 0.40594T² − 0.0027062T³ with T clamped to 32–73.
"""

from __future__ import annotations

from typing import Any

RIASEC = "RIASEC"
BIG_FIVE = "NEOAC"
LOW_T, HIGH_T = 45.0, 55.0
AGE_BANDS = {"<21": (None, 20), "21-40": (21, 40), "41-60": (41, 60), ">60": (61, None)}


class IncompleteAnswers(ValueError):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(missing)
        self.missing = missing


class InvalidAnswer(ValueError):
    def __init__(self, item_id: str, reason: str) -> None:
        super().__init__(item_id, reason)
        self.item_id, self.reason = item_id, reason


def check_answer(data: dict[str, Any], item_id: str, value: Any) -> int:
    """The answer as an int, or InvalidAnswer("unknown" | "range")."""
    if item_id not in {item["id"] for item in data["items"]}:
        raise InvalidAnswer(item_id, "unknown")
    allowed = {choice["value"] for choice in data["response_scale"]}
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise InvalidAnswer(item_id, "range")
    return value


def missing_items(data: dict[str, Any], answers: dict[str, int]) -> list[str]:
    return [item["id"] for item in data["items"] if item["id"] not in answers]


def _complete(data: dict[str, Any], answers: dict[str, int]) -> None:
    missing = missing_items(data, answers)
    if missing:
        raise IncompleteAnswers(missing)
    for item_id, value in answers.items():
        check_answer(data, item_id, value)


def score(data: dict[str, Any], answers: dict[str, int], **context: Any) -> dict[str, Any]:
    """Score a complete set of answers with the family's function."""
    family = data["family"]
    if family == "riasec":
        return score_riasec(data, answers)
    if family == "big_five":
        return score_big_five(data, answers, **context)
    raise ValueError(f"no scoring for the family {family!r}")


# ---- RIASEC ---------------------------------------------------------------------------


def score_riasec(data: dict[str, Any], answers: dict[str, int]) -> dict[str, Any]:
    _complete(data, answers)
    raw = dict.fromkeys(RIASEC, 0)
    for item in data["items"]:
        raw[item["scale"]] += answers[item["id"]]
    groups = holland_groups(raw)
    return {
        "raw": raw,
        "code_groups": groups,
        "code": holland_code(groups),
        "undifferentiated": len(set(raw.values())) == 1,
        "differentiation": max(raw.values()) - min(raw.values()),
    }


def holland_groups(raw: dict[str, int]) -> list[list[str]]:
    """The tied groups of the Holland code, highest first, until three letters (see the tie rule)."""
    if len(set(raw.values())) == 1:
        return []
    groups: list[list[str]] = []
    for value in sorted(set(raw.values()), reverse=True):
        groups.append([t for t in RIASEC if raw[t] == value])
        if sum(len(g) for g in groups) >= 3:
            break
    return groups


def holland_code(groups: list[list[str]]) -> str:
    return "-".join("/".join(group) for group in groups)


# ---- Big Five -------------------------------------------------------------------------


def reversed_value(item: dict[str, Any], value: int) -> int:
    return 6 - value if item["keyed"] == "minus" else value


def score_big_five(
    data: dict[str, Any],
    answers: dict[str, int],
    *,
    sex: str = "",
    age_band: str = "",
) -> dict[str, Any]:
    _complete(data, answers)
    domains = {d["code"]: 0 for d in data["domains"]}
    facets = {f["code"]: 0 for f in data.get("facets", [])}
    for item in data["items"]:
        value = reversed_value(item, answers[item["id"]])
        domains[item["domain"]] += value
        if item.get("facet"):
            facets[item["facet"]] += value
    result: dict[str, Any] = {"raw": domains, "facets": facets, "norms": None}
    norm = norm_for(data.get("norms"), sex=sex, age_band=age_band)
    if norm is not None:
        t_scores = {
            d: round(t_score(raw, norm["mean"][d], norm["sd"][d]), 1) for d, raw in domains.items()
        }
        result["norms"] = {
            "label": data["norms"]["label"],
            "group": norm["group"],
            "t": t_scores,
            "percentile": {d: percentile(t) for d, t in t_scores.items()},
            "level": {d: level(t) for d, t in t_scores.items()},
        }
    return result


def norm_for(norms: dict[str, Any] | None, *, sex: str, age_band: str) -> dict[str, Any] | None:
    """Means and SDs of the norm group for `sex` ("F", "M" or "" for both) and `age_band`."""
    if not norms or age_band not in AGE_BANDS:
        return None
    age_min, age_max = AGE_BANDS[age_band]
    groups = [
        g
        for g in norms["groups"]
        if (g["age_min"], g["age_max"]) == (age_min, age_max) and (not sex or g["sex"] == sex)
    ]
    if not groups:
        return None
    codes = groups[0]["mean"].keys()
    return {
        "group": {"sex": sex, "age_band": age_band},
        "mean": {c: sum(g["mean"][c] for g in groups) / len(groups) for c in codes},
        "sd": {c: sum(g["sd"][c] for g in groups) / len(groups) for c in codes},
    }


def t_score(raw: float, mean: float, sd: float) -> float:
    return 50 + 10 * (raw - mean) / sd


def percentile(t: float) -> int:
    """five-factor-e's approximate percentile of a T-score (cubic fit, T clamped to 32–73)."""
    t = min(max(t, 32.0), 73.0)
    value = 210.336 - 16.738 * t + 0.40594 * t**2 - 0.0027062 * t**3
    return round(min(max(value, 0.0), 100.0))


def level(t: float) -> str:
    if t < LOW_T:
        return "low"
    if t > HIGH_T:
        return "high"
    return "medium"
