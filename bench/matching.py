"""Matching: time to rank all 1,584 métiers of the full ROME for one profile (target ≤ 20 ms).

Run:  .venv/bin/python bench/matching.py [FOLDER] [--profiles 200]
FOLDER defaults to ../shared/data/rome-4.0-v60. The referential snapshot is read straight from
the CSV files into the same structure profile.py builds from the database (no database here);
then 200 varied profiles (RIASEC scores, centres d'intérêt chosen and ranked, portefeuille
labels taken from ROME items and resolved by label, contexts to avoid, pins and exclusions)
are ranked, and p50 / p95 / max of `rank()` are printed, with the snapshot build time.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bilan.careers.matching import (  # noqa: E402
    MetierFacts,
    Profile,
    Referential,
    rank,
    resolve_portfolio,
)

DEFAULT = ROOT.parent / "shared" / "data" / "rome-4.0-v60"
CORE = {"": "", "Principale": "principale", "Émergente": "emergente"}


def rows(folder: Path, name: str) -> list[dict[str, str]]:
    with open(folder / f"unix_{name}_v460_utf8.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load(folder: Path) -> Referential:
    """The snapshot from the CSVs: savoir-faire (not savoir-être) and savoirs, with their
    cœur de métier level, centres d'intérêt (principal), contextes de travail, RIASEC."""
    competences = {
        int(r["code_ogr"]): r["libelle_competence"]
        for r in rows(folder, "referentiel_competence")
        if r["cat_comp"] == "Savoir-faire"
    }
    savoirs = {
        int(r["code_ogr_savoir"]): r["libelle_savoir"] for r in rows(folder, "referentiel_savoir")
    }
    contexts = {
        int(r["code_ogr"]): r["libelle_cont_travail"]
        for r in rows(folder, "referentiel_contexte_travail")
    }
    centres = {
        int(r["code_centre_interet"]): r["libelle_centre_interet"]
        for r in rows(folder, "centre_interet")
    }
    riasec = {
        r["code_rome"]: (r["riasec_majeur"], r["riasec_mineur"])
        for r in rows(folder, "referentiel_code_rome_riasec")
    }
    core = {
        (r["code_rome"], int(r["code_ogr"])): CORE[r["coeur_metier"]]
        for r in rows(folder, "coherence_item")
    }
    skills: dict[str, dict[int, str]] = {}
    ctx: dict[str, set[int]] = {}
    for r in rows(folder, "liens_rome_referentiels"):
        code, ogr = r["code_rome"], int(r["code_ogr"])
        if r["code_compo_bloc"] == "5" and (ogr in competences or ogr in savoirs):
            skills.setdefault(code, {})[ogr] = core.get((code, ogr), "")
        elif r["code_compo_bloc"] == "6" and ogr in contexts:
            ctx.setdefault(code, set()).add(ogr)
    links: dict[str, dict[int, bool]] = {}
    for r in rows(folder, "arborescence_centre_interet"):
        links.setdefault(r["code_rome"], {})[int(r["code_centre_interet"])] = (
            r["principal"] == "oui"
        )
    metiers = [
        MetierFacts(
            code_rome=r["code_rome"],
            label=r["libelle_rome"],
            major=riasec[r["code_rome"]][0],
            minor=riasec[r["code_rome"]][1],
            centres=links.get(r["code_rome"], {}),
            skills=skills.get(r["code_rome"], {}),
            contexts=frozenset(ctx.get(r["code_rome"], ())),
        )
        for r in rows(folder, "referentiel_code_rome")
    ]
    return Referential(
        version="60",
        metiers=metiers,
        centre_labels=centres,
        skill_labels=competences | savoirs,
        context_labels=contexts,
    )


def profiles(ref: Referential, count: int, seed: int = 2026) -> list[Profile]:
    rng = random.Random(seed)
    skill_labels = sorted(ref.skill_labels.items())
    codes = [m.code_rome for m in ref.metiers]
    out = []
    for n in range(count):
        labels = [(rng.choice(skill_labels)[1], "") for _ in range(rng.choice((0, 5, 15, 30)))]
        chosen = rng.sample(sorted(ref.centre_labels), rng.choice((0, 3, 8, 15)))
        out.append(
            Profile(
                riasec={t: rng.randint(8, 40) for t in "RIASEC"} if n % 7 else None,
                chosen_centres=frozenset(chosen),
                ranked_centres=tuple(chosen[:5]),
                held=resolve_portfolio(labels, ref),
                portfolio_labels=tuple(label for label, _ in labels),
                avoided_contexts=frozenset(
                    rng.sample(sorted(ref.context_labels), rng.choice((0, 2, 6)))
                ),
                pinned={c: "" for c in rng.sample(codes, rng.choice((0, 1, 2)))},
                excluded=frozenset(rng.sample(codes, rng.choice((0, 3)))),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", default=str(DEFAULT))
    parser.add_argument("--profiles", type=int, default=200)
    args = parser.parse_args()
    start = time.perf_counter()
    ref = load(Path(args.folder))
    built = time.perf_counter() - start
    start = time.perf_counter()
    ref.labels  # noqa: B018  # the label index, built on first use
    indexed = time.perf_counter() - start
    start = time.perf_counter()
    batch = profiles(ref, args.profiles)
    resolving = (time.perf_counter() - start) * 1000 / len(batch)
    for p in batch[:5]:  # warm up
        rank(ref, p)
    times = []
    for p in batch:
        start = time.perf_counter()
        ranking = rank(ref, p)
        times.append((time.perf_counter() - start) * 1000)
        assert ranking.suggestions or not ranking.enough
    times.sort()
    print(f"métiers: {len(ref.metiers)}, items: {len(ref.skill_labels)}, profiles: {len(batch)}")
    print(f"snapshot from CSV: {built * 1000:.0f} ms; label index: {indexed * 1000:.0f} ms")
    print(f"profile (portefeuille labels recognised): {resolving:.2f} ms on average")
    print(
        f"rank(): p50 {statistics.median(times):.2f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))]:.2f} ms, max {times[-1]:.2f} ms (target ≤ 20 ms)"
    )


if __name__ == "__main__":
    main()
