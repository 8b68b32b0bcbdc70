"""One contract for the synthèse's renderers: `build_document` gathers what the file shows
(never a private note: only the version's sanitised sections and the results' figures), and
each renderer turns that `SyntheseDocument` into bytes.

    RENDERERS["pdf"].render(document) -> bytes
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from typing import Protocol

from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.assessments.models import AdministrationStatus, Result
from bilan.assessments.reports import report
from bilan.documents.models import SECTIONS, Synthese, SyntheseStatus
from bilan.documents.sanitize import french_typography, sanitize

NOTICE = (
    "Document personnel et confidentiel, propriété du ou de la bénéficiaire : il ne peut être "
    "communiqué à toute autre personne ou institution qu'avec son accord (Code du travail, "
    "art. L6313-4)."
)
SHORT_NOTICE = "Confidentiel — propriété du ou de la bénéficiaire — art. L6313-4 du Code du travail"


@dataclass
class Section:
    number: int
    key: str
    title: str
    html: str  # sanitised, French spacing applied


@dataclass
class Chart:
    title: str
    svg: str  # built by bilan.assessments.charts (every label escaped)
    rows: list[tuple[str, str]] = field(default_factory=list)  # the same figures, as text


@dataclass
class Logo:
    data: bytes
    content_type: str

    @property
    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


@dataclass
class SyntheseDocument:
    reference: str
    beneficiary: str
    consultant: str
    organisation: str
    organisation_details: str
    version_number: int
    status_label: str
    sections: list[Section]
    charts: list[Chart]
    logo: Logo | None
    generated_at: object
    opened_on: object
    closed_on: object
    notice: str = NOTICE
    short_notice: str = SHORT_NOTICE


class Renderer(Protocol):
    format: str
    content_type: str

    def render(self, document: SyntheseDocument) -> bytes: ...


def _logo(organisation) -> Logo | None:
    if not organisation.logo:
        return None
    try:
        with organisation.logo.open("rb") as f:
            data = f.read(2_000_000)
    except (OSError, ValueError):  # a missing file never blocks the document
        return None
    content_type = mimetypes.guess_type(organisation.logo.name)[0] or "application/octet-stream"
    if content_type not in ("image/png", "image/jpeg", "image/svg+xml"):
        return None
    return Logo(data=data, content_type=content_type)


def charts_of(bilan) -> list[Chart]:
    """The RIASEC hexagon and the Big Five bars of the latest result of each, when taken."""

    charts: dict[str, Chart] = {}
    results = (
        Result.objects.filter(
            administration__bilan=bilan, administration__status=AdministrationStatus.SUBMITTED
        )
        .select_related("administration")
        .order_by("-computed_at", "-id")
    )
    for result in results:
        family = result.administration.instrument.family
        if family in charts or family not in ("riasec", "big_five"):
            continue
        r = report(result)
        if family == "riasec":
            rows = [(row["name"], str(row["raw"])) for row in r["rows"]]
            title = _t("Intérêts professionnels (RIASEC) — code %(c)s") % {"c": r["code"]}
        else:
            rows = [
                (d["name"], f"T {d['t']}" if d["t"] is not None else str(d["raw"]))
                for d in r["domains"]
            ]
            title = _t("Personnalité (Big Five) — %(n)s") % {"n": r["instrument"].name}
        charts[family] = Chart(title=title, svg=str(r["chart"]), rows=rows)
    return [charts[f] for f in ("riasec", "big_five") if f in charts]


def build_document(synthese: Synthese, number: int) -> SyntheseDocument:
    bilan = synthese.bilan
    version = synthese.versions.get(number=number)
    organisation = bilan.organisation
    sections = [
        Section(
            number=i,
            key=key,
            title=str(title),
            html=french_typography(sanitize(version.section(key))),
        )
        for i, (key, title) in enumerate(SECTIONS.items(), start=1)
    ]
    if synthese.decided_number == number:
        status = synthese.get_status_display()
    elif synthese.submitted_number == number:
        status = SyntheseStatus.SUBMITTED.label
    else:
        status = _t("brouillon (version de travail)")
    details = " · ".join(
        part
        for part in (
            organisation.address.replace("\n", ", ") if organisation.address else "",
            f"SIRET {organisation.siret}" if organisation.siret else "",
            f"NDA {organisation.nda}" if organisation.nda else "",
        )
        if part
    )
    return SyntheseDocument(
        reference=bilan.reference,
        beneficiary=bilan.beneficiary.get_full_name(),
        consultant=bilan.consultant.get_full_name(),
        organisation=organisation.name,
        organisation_details=details,
        version_number=number,
        status_label=str(status),
        sections=sections,
        charts=charts_of(bilan),
        logo=_logo(organisation),
        generated_at=timezone.localtime(),
        opened_on=bilan.opened_on,
        closed_on=bilan.closed_on,
    )


def renderer_for(fmt: str) -> Renderer:
    # why: both import SyntheseDocument from this module
    from bilan.documents.renderers.docx import DocxRenderer
    from bilan.documents.renderers.pdf import PdfRenderer

    return {"pdf": PdfRenderer(), "docx": DocxRenderer()}[fmt]
