"""The proof bundle (« dossier de preuve », issue 14, REQ-20, REQ-21, REQ-29): one zip of PDFs
with an index, for a CDC, OPCO or France Travail control. Administrative pieces only, never
any content of the bilan.

Each piece comes from a part registered here by the feature that owns it: the attendance
sheet (this app), the certificate versions (followup, in its AppConfig.ready), and later the
convention, invoices or EDOF/KAIROS events (funding, billing) through `register_bundle_part`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan
from bilan.entretiens.attendance import attendance_sheet_pdf, sheet_filename
from bilan.entretiens.ledger import hours_ledger
from bilan.lib.render import render_pdf


@dataclass(frozen=True)
class BundleFile:
    name: str  # the file's name in the zip (a .pdf)
    label: str  # what it is, in French, for the index
    content: bytes


Builder = Callable[[Bilan], list[BundleFile]]
_parts: dict[str, Builder] = {}


def register_bundle_part(name: str, builder: Builder) -> None:
    """Add (or replace) a part of the bundle: `builder(bilan)` returns its files, [] if none."""
    _parts[name] = builder


def parts() -> dict[str, Builder]:
    return dict(_parts)


def attendance_part(bilan: Bilan) -> list[BundleFile]:
    return [
        BundleFile(
            name=sheet_filename(bilan),
            label=_t("Feuille d'émargement (dates, heures, signatures des deux parties)"),
            content=attendance_sheet_pdf(bilan),
        )
    ]


register_bundle_part("attendance", attendance_part)


def index_pdf(bilan: Bilan, files: list[BundleFile]) -> bytes:
    name = bilan.beneficiary.get_full_name() or bilan.beneficiary.email
    return render_pdf(
        "documents/proof_index.html",
        {
            "bilan": bilan,
            "organisation": bilan.organisation,
            "beneficiary_name": name,
            "ledger": hours_ledger(bilan),
            "files": files,
            "generated_at": timezone.now(),
        },
        title=_t("Dossier de preuve") + f" — {bilan.reference}",
        author=bilan.organisation.name,
        footer=f"{bilan.organisation.name} — {_t('Dossier de preuve')} — {bilan.reference}",
    )


def proof_bundle(bilan: Bilan) -> bytes:
    """The zip: 00-index.pdf, then each registered part's files, numbered in order."""
    files: list[BundleFile] = []
    for builder in _parts.values():
        files.extend(builder(bilan))
    numbered = [
        BundleFile(f"{i:02d}-{f.name}", f.label, f.content) for i, f in enumerate(files, start=1)
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("00-index.pdf", index_pdf(bilan, numbered))
        for f in numbered:
            archive.writestr(f.name, f.content)
    return buffer.getvalue()


def bundle_filename(bilan: Bilan) -> str:
    return f"dossier-preuve-{bilan.reference}.zip"
