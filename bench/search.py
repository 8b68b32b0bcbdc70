"""Time of one métier search over the full ROME (13,120 appellations), p50 / p95 / max.

Run:  .venv/bin/python bench/search.py [ROME_FOLDER] [--rounds N] [--show] [--db]
By default the index is built straight from the CSV files (no database): the same pure
`build_index` the product feeds from the ORM. With --db, the folder is imported with
`import_rome` into a throw-away SQLite file (unless DATABASE_URL is set: then an empty
database) and each query goes through `current_index()` as a request does (its one query for
the current version included). Default folder: ../shared/data/rome-4.0-v60 from the project.
Target (issue 5): p95 ≤ 15 ms per query.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--db" in sys.argv and "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()  # without --db, only for gettext_lazy in messages: no database is touched

from bilan.careers.search import (  # noqa: E402
    AppellationRow,
    Filters,
    MetierRow,
    Outcome,
    build_index,
    current_index,
    search,
)

DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "rome-4.0-v60"

# (query, filters): exact labels, prefixes typed live, accents stripped, typos, gendered
# forms, one to three words, with and without filters, and a few hopeless ones.
QUERIES: list[tuple[str, Filters | None]] = [
    ("Boulanger / Boulangère", None),
    ("boulangere", None),
    ("infirmière", None),
    ("infirmier", None),
    ("infirmiere scolaire", None),
    ("educatrice specialisee", None),
    ("Éducateur spécialisé", None),
    ("agente d'entretien des espaces verts", None),
    ("agent entretien", None),
    ("in", None),
    ("inf", None),
    ("infi", None),
    ("infir", None),
    ("c", None),
    ("ch", None),
    ("chef", None),
    ("chef de", None),
    ("chef de projet", None),
    ("cheffe de projet informatique", None),
    ("developpeur", None),
    ("développeuse web", None),
    ("devlopeur", None),
    ("boulangr", None),
    ("infirmere", None),
    ("comptabel", None),
    ("menusier", None),
    ("plombier chauffagiste", None),
    ("electricien batiment", None),
    ("aide soignante", None),
    ("aide-soignant", None),
    ("auxiliaire de vie", None),
    ("assistante maternelle", None),
    ("conducteur bus", None),
    ("chauffeur poids lourd", None),
    ("vendeuse", None),
    ("vendeur en boulangerie", None),
    ("cuisinier", None),
    ("serveuse", None),
    ("jardinier paysagiste", None),
    ("technicien maintenance", None),
    ("ingenieure logiciel", None),
    ("secretaire medicale", None),
    ("professeur des ecoles", None),
    ("psychologue du travail", None),
    ("coiffeuse", None),
    ("esthéticienne", None),
    ("mecanicien automobile", None),
    ("soudeur", None),
    ("maçon", None),
    ("macon", None),
    ("agent", Filters(domaine="A")),
    ("agent", Filters(domaine="K21")),
    ("technicien", Filters(riasec="R")),
    ("technicien", Filters(riasec="I", riasec_minor_too=True)),
    ("conseiller", Filters(riasec="S", centre=5)),
    ("responsable", Filters(avoid_contextes=frozenset({23376, 23374}))),
    ("", Filters(domaine="J")),
    ("", Filters(riasec="A")),
    ("", None),
    ("'; DROP TABLE careers_metier; --", None),
    ("!!!???...", None),
    ("x" * 500, None),
    ("zzzzqqqq", None),
    ("le la les de des du", None),
]


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"unix_{name}_v460_utf8.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load(folder: Path) -> tuple[list[MetierRow], list[AppellationRow]]:
    riasec = {r["code_rome"]: r for r in read(folder, "referentiel_code_rome_riasec")}
    domaines = {r["code_rome"]: r["code_domaine_professionel"] for r in read(folder, "cr_gd_dp")}
    centres: dict[str, set[int]] = {}
    for r in read(folder, "arborescence_centre_interet"):
        centres.setdefault(r["code_rome"], set()).add(int(r["code_centre_interet"]))
    contexte_codes = {int(r["code_ogr"]) for r in read(folder, "referentiel_contexte_travail")}
    contextes: dict[str, set[int]] = {}
    for r in read(folder, "coherence_item"):
        if int(r["code_ogr"]) in contexte_codes:
            contextes.setdefault(r["code_rome"], set()).add(int(r["code_ogr"]))
    metiers = [
        MetierRow(
            code_rome=r["code_rome"],
            label=r["libelle_rome"],
            domaine=domaines[r["code_rome"]],
            riasec_major=riasec[r["code_rome"]]["riasec_majeur"],
            riasec_minor=riasec[r["code_rome"]]["riasec_mineur"],
            centres=frozenset(centres.get(r["code_rome"], ())),
            contextes=frozenset(contextes.get(r["code_rome"], ())),
        )
        for r in read(folder, "referentiel_code_rome")
    ]
    appellations = [
        AppellationRow(
            code_ogr=int(r["code_ogr"]),
            code_rome=r["code_rome"],
            label=r["libelle_appellation_long"],
            principal=r["classification"] == "PRINCIPALE",
            rarely_used=r["peu_usite"] == "O",
        )
        for r in read(folder, "referentiel_appellation")
    ]
    return metiers, appellations


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--show", action="store_true", help="print the top 3 of each query")
    parser.add_argument("--db", action="store_true", help="import into a database first")
    args = parser.parse_args()

    if args.db:
        from django.core.management import call_command

        from bilan.careers.importer import import_rome

        call_command("migrate", verbosity=0)
        start = time.perf_counter()
        result = import_rome(args.folder)
        print(
            f"import_rome: {result.counts['appellations']} appellations in {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        index = current_index()
        built = (time.perf_counter() - start) * 1000
        metiers = list(index.metiers.values())

        def run(query: str, filters: Filters | None) -> Outcome:
            return search(current_index(), query, filters, limit=20)
    else:
        metiers, appellations = load(args.folder)
        start = time.perf_counter()
        index = build_index(metiers, appellations, version="60")
        built = (time.perf_counter() - start) * 1000

        def run(query: str, filters: Filters | None) -> Outcome:
            return search(index, query, filters, limit=20)

    print(
        f"index: {len(metiers)} métiers, {index.size} appellations, "
        f"{len(index.vocabulary)} words, {len(index.neighbours)} deletion variants, "
        f"built in {built:.0f} ms"
    )

    timings: list[float] = []
    first_round: list[float] = []
    for round_ in range(args.rounds):
        if round_ == 1:  # the first round pays the cold prefix cache: report it apart
            index._prefix_cache.clear()
        for query, filters in QUERIES:
            t0 = time.perf_counter()
            outcome = run(query, filters)
            elapsed = (time.perf_counter() - t0) * 1000
            (first_round if round_ == 0 else timings).append(elapsed)
            if args.show and round_ == 0:
                top = "; ".join(
                    f"{h.code_rome} {h.appellation} [{h.tier}]" for h in outcome.hits[:3]
                )
                print(f"  {query[:40]!r:44} {outcome.total:5} {top}")

    def line(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        return (
            f"{name}: {len(values)} queries, p50 {statistics.median(values):.2f} ms, "
            f"p95 {p95:.2f} ms, max {max(values):.2f} ms"
        )

    print(line("cold (first round)", first_round))
    if timings:
        print(line(f"warm ({args.rounds - 1} rounds, prefix cache cleared once)", timings))


if __name__ == "__main__":
    main()
