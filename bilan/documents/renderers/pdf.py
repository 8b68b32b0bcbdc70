"""The synthèse as a PDF: WeasyPrint from templates/documents/synthese.html (French spacing,
page X / Y, a table of contents with page numbers, the logo, SVG charts, the L6313-4 notice on
every page). Nothing is fetched: only data: URIs are allowed."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from bilan.documents.renderers import SyntheseDocument


def render_html(document: SyntheseDocument) -> str:
    with translation.override("fr"):
        return render_to_string("documents/synthese.html", {"doc": document})


class PdfRenderer:
    format = "pdf"
    content_type = "application/pdf"

    def render(self, document: SyntheseDocument) -> bytes:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        return HTML(
            string=render_html(document), url_fetcher=URLFetcher(allowed_protocols={"data"})
        ).write_pdf()
