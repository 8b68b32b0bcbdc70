"""A result as the beneficiary reads it: figures, charts and interpretation texts that describe
tendencies, never prescribe. Shared by the results page, the PDF and the API.

Interpretation rules (documented for the consultant):
- RIASEC is read within the person: the Holland code's types get their "high" text, the two
  lowest types their "low" text, the others "medium"; an undifferentiated profile gets its own
  text instead.
- Big Five domains with norms: the level of the T-score (< 45 low, > 55 high). Without norms
  (Mini-IPIP) and for facets: the mean answer of the scale's items after reversal — 4 or more
  ("plutôt exact") high, 2 or less low — a raw tendency, not a comparison with others.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _t

from bilan.assessments import charts
from bilan.assessments.instruments import Instrument
from bilan.assessments.models import Result
from bilan.assessments.scoring import RIASEC
from bilan.assessments.sorts import SORT_FAMILIES
from bilan.lib.render import render_pdf


def raw_level(raw: int, items: int) -> str:
    mean = raw / items
    if mean >= 4:
        return "high"
    if mean <= 2:
        return "low"
    return "medium"


def riasec_report(instrument: Instrument, scores: dict[str, Any]) -> dict[str, Any]:
    raw = scores["raw"]
    in_code = {t for group in scores["code_groups"] for t in group}
    lowest = sorted(RIASEC, key=lambda t: (raw[t], RIASEC.index(t)))[:2]
    rows = []
    for t in sorted(RIASEC, key=lambda t: (-raw[t], RIASEC.index(t))):
        scale = instrument.scale(t)
        level = "high" if t in in_code else "low" if t in lowest else "medium"
        rows.append(
            {
                "code": t,
                "name": scale["name"],
                "description": scale["description"],
                "raw": raw[t],
                "level": level,
                "interpretation": ""
                if scores["undifferentiated"]
                else scale["interpretation"][level],
            }
        )
    names = {s["code"]: s["name"] for s in instrument.scales}
    return {
        "kind": "riasec",
        "code": scores["code"],
        "undifferentiated": scores["undifferentiated"],
        "undifferentiated_text": instrument.data.get("undifferentiated_text", ""),
        "tie_rule_text": instrument.data.get("tie_rule_text", ""),
        "has_ties": any(len(g) > 1 for g in scores["code_groups"]),
        "rows": rows,
        "range": (8, 40),
        "chart": mark_safe(charts.riasec_hexagon(raw, names)),
    }


def big_five_report(instrument: Instrument, scores: dict[str, Any]) -> dict[str, Any]:
    norms = scores.get("norms")
    items_per = {d["code"]: 0 for d in instrument.scales}
    items_per_facet: dict[str, int] = {}
    for item in instrument.items:
        items_per[item["domain"]] += 1
        if item.get("facet"):
            items_per_facet[item["facet"]] = items_per_facet.get(item["facet"], 0) + 1
    domains = []
    for d in instrument.scales:
        code, raw = d["code"], scores["raw"][d["code"]]
        level = norms["level"][code] if norms else raw_level(raw, items_per[code])
        facets = [
            {
                "code": f["code"],
                "name": f["name"],
                "raw": scores["facets"][f["code"]],
                "level": (
                    lvl := raw_level(scores["facets"][f["code"]], items_per_facet[f["code"]])
                ),
                "interpretation": f["interpretation"].get(lvl, ""),
            }
            for f in instrument.facets
            if f["domain"] == code
        ]
        domains.append(
            {
                "code": code,
                "name": d["name"],
                "subtitle": d.get("subtitle", ""),
                "description": d.get("description", ""),
                "raw": raw,
                "min": items_per[code],
                "max": 5 * items_per[code],
                "t": norms["t"][code] if norms else None,
                "percentile": norms["percentile"][code] if norms else None,
                "level": level,
                "interpretation": d["interpretation"][level],
                "facets": facets,
                "facet_chart": mark_safe(
                    charts.bars([(f["name"], f["raw"], 4, 20) for f in facets], title=d["name"])
                )
                if facets
                else "",
            }
        )
    if norms:
        chart = charts.bars(
            [(d["name"], d["t"], 20, 80) for d in domains],
            title="Domaines (notes T)",
            marker=50,
        )
    else:
        chart = charts.bars(
            [(d["name"], d["raw"], d["min"], d["max"]) for d in domains], title="Domaines"
        )
    return {
        "kind": "big_five",
        "domains": domains,
        "norms": norms,
        "chart": mark_safe(chart),
    }


def report(result: Result) -> dict[str, Any]:
    administration = result.administration
    instrument = administration.instrument

    if instrument.family in SORT_FAMILIES:
        # The card sorts have no score: their view, as the beneficiary reads it (the PDF is theirs).
        from bilan.assessments.administrations import any_report  # why: it imports this module

        return {
            **any_report(result, administration.bilan.beneficiary),
            "administration": administration,
            "source": instrument.data["source"],
            "licence": instrument.data["licence"],
        }
    if instrument.family == "riasec":
        body = riasec_report(instrument, result.scores)
    else:
        body = big_five_report(instrument, result.scores)
    return {
        **body,
        "instrument": instrument,
        "administration": administration,
        "result": result,
        "source": instrument.data["source"],
        "licence": instrument.data["licence"],
    }


def result_pdf(result: Result) -> bytes:
    """The beneficiary's results of one test, as a PDF (through the one PDF renderer)."""
    bilan = result.administration.bilan
    name = bilan.beneficiary.get_full_name()
    return render_pdf(
        "documents/test_result.html",
        {"r": report(result), "bilan": bilan, "generated_at": timezone.now()},
        title=f"{result.administration.instrument.name} — {name}",
        author=bilan.organisation.name,
        footer=f"{_t('Document personnel et confidentiel (L6313-4)')} — {name}",
    )
