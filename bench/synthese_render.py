"""Synthèse rendering: time to render a 12-page document de synthèse with its charts (RIASEC
hexagon and Big Five bars as SVG) to PDF (WeasyPrint; target ≤ 1 s) and DOCX (python-docx;
target ≤ 0.5 s).

Run:  .venv/bin/python bench/synthese_render.py [--runs 5] [--pages 12]
No database: the SyntheseDocument is built in memory the way renderers.build_document builds
it (sections sanitised with nh3, French spacing applied, charts from bilan.assessments.charts);
the text is grown until the PDF has the requested number of pages, then each format is
rendered `runs` times after one warm-up, and the median / max are printed.

Each format is timed twice (issue 16): in clear, and with encryption at rest as the worker does
it — the version's sections opened from their sealed JSON, the rendered file sealed with the
bilan's data key (AES-GCM) before it is stored, and opened again as a download does.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bilan.assessments import charts  # noqa: E402
from bilan.documents.models import SECTIONS  # noqa: E402
from bilan.documents.renderers import Chart, Section, SyntheseDocument  # noqa: E402
from bilan.documents.renderers.docx import DocxRenderer  # noqa: E402
from bilan.documents.renderers.pdf import PdfRenderer  # noqa: E402
from bilan.documents.sanitize import french_typography, sanitize  # noqa: E402
from bilan.lib import crypto  # noqa: E402

PARAGRAPH = (
    "<p>Au cours des entretiens, Mme Martin a décrit son parcours d'assistante comptable : "
    "la relation aux clients, la rigueur des <strong>relances</strong> et l'envie d'un métier "
    "plus proche du public. Les enquêtes métier ont <em>confirmé</em> l'importance du contact "
    "humain ; elles ont aussi montré la part des tâches administratives. Quels compromis ? "
    "« Rester à Lyon », garder des horaires compatibles avec la vie de famille.</p>"
)
BLOCK = (
    "<h3>Points d'appui</h3><ul><li>Écoute et reformulation</li><li>Gestion d'un budget</li>"
    "<li>Animation d'un groupe de bénévoles</li></ul>"
    "<ol><li>Se renseigner sur le titre professionnel CIP</li><li>Rencontrer deux "
    'conseillères</li></ol><p>Voir <a href="https://www.francetravail.fr/">France Travail</a>.</p>'
)


def document(paragraphs: int) -> SyntheseDocument:
    riasec = {"R": 14, "I": 27, "A": 31, "S": 38, "E": 22, "C": 19}
    names = {
        "R": "Réaliste",
        "I": "Investigateur",
        "A": "Artistique",
        "S": "Social",
        "E": "Entreprenant",
        "C": "Conventionnel",
    }
    big_five = [
        ("Ouverture", 58.0, 20, 80),
        ("Conscience", 52.0, 20, 80),
        ("Extraversion", 61.0, 20, 80),
        ("Agréabilité", 64.0, 20, 80),
        ("Névrosisme", 41.0, 20, 80),
    ]
    sections = [
        Section(
            number=i,
            key=key,
            title=str(title),
            html=french_typography(sanitize(PARAGRAPH * paragraphs + BLOCK)),
        )
        for i, (key, title) in enumerate(SECTIONS.items(), start=1)
    ]
    return SyntheseDocument(
        reference="BC-2026-00042",
        beneficiary="Camille Martin",
        consultant="Claire Conseil",
        organisation="Cap Avenir Conseil",
        organisation_details="12 rue de la République, 69002 Lyon · SIRET 73282932000074",
        version_number=4,
        status_label="validée par le ou la bénéficiaire",
        sections=sections,
        charts=[
            Chart(
                "Intérêts professionnels (RIASEC) — code SAI",
                charts.riasec_hexagon(riasec, names),
                [(names[t], str(v)) for t, v in riasec.items()],
            ),
            Chart(
                "Personnalité (Big Five)",
                charts.bars(big_five, title="Domaines (notes T)", marker=50),
                [(n, f"T {v:g}") for n, v, _a, _b in big_five],
            ),
        ],
        logo=None,
        generated_at=timezone.localtime(),
        opened_on=timezone.localdate(),
        closed_on=None,
    )


def timed(render, doc: SyntheseDocument, runs: int) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU seconds of each run (CPU time is what other processes on a busy
    machine do not inflate)."""
    data = render(doc)  # warm-up: fonts, templates, imports
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        data = render(doc)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, data


def encrypted(render, doc: SyntheseDocument):
    """`render` with encryption at rest around it: open the sealed sections, render, seal the
    file, open it back (the download)."""
    aead = crypto.AESGCM(crypto.new_data_key())
    sealed = crypto.seal(aead, "bench", json.dumps({s.key: s.html for s in doc.sections}))

    def run(doc: SyntheseDocument) -> bytes:
        json.loads(crypto.unseal(aead, sealed))
        data = render(doc)
        stored = crypto.seal_bytes(aead, "bench", data)
        assert crypto.unseal_bytes(aead, stored) == data
        return data

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args()
    pdf, docx = PdfRenderer(), DocxRenderer()

    paragraphs, pages = 1, 0
    while True:  # grow the text until the PDF reaches the page count asked for
        pages = len(PdfReader(io.BytesIO(pdf.render(document(paragraphs)))).pages)
        if pages >= args.pages:
            break
        paragraphs += 1
    doc = document(paragraphs)
    runs = {
        "PDF ": timed(pdf.render, doc, args.runs),
        "PDF  encrypted": timed(encrypted(pdf.render, doc), doc, args.runs),
        "DOCX": timed(docx.render, doc, args.runs),
        "DOCX encrypted": timed(encrypted(docx.render, doc), doc, args.runs),
    }
    words = sum(len(s.html.split()) for s in doc.sections)
    print(
        f"document: {pages} PDF pages, 7 sections × {paragraphs} paragraphs + lists, "
        f"~{words} words, 2 SVG charts"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    for name, (times, cpu, data) in runs.items():
        target = 1.0 if name.startswith("PDF") else 0.5
        median = statistics.median(times)
        verdict = "OK" if median <= target else "OVER TARGET"
        print(
            f"{name}: median {median:.3f} s (CPU {statistics.median(cpu):.3f} s), "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} runs ({len(data) // 1024} KiB) "
            f"— target ≤ {target} s: {verdict}"
        )


if __name__ == "__main__":
    main()
