"""The synthèse as a PDF: templates/documents/synthese.html through the one PDF renderer
(bilan.lib.render: French spacing, page X / Y, the fonts, nothing fetched but data: URIs and
static files), with a table of contents with page numbers, the logo, SVG charts, and the L6313-4
notice at the top of every page."""

from __future__ import annotations

from django.utils.translation import gettext as _t

from bilan.documents.renderers import SyntheseDocument
from bilan.lib.render import render_pdf


class PdfRenderer:
    format = "pdf"
    content_type = "application/pdf"

    def render(self, document: SyntheseDocument) -> bytes:
        return render_pdf(
            "documents/synthese.html",
            {"doc": document},
            title=f"{_t('Document de synthèse')} — {document.beneficiary}",
            author=document.organisation,
            header=document.short_notice,
            footer=(
                f"{document.reference} — {document.beneficiary} — version {document.version_number}"
            ),
        )
