"""The synthèse as a DOCX (python-docx), for consultants who finish in a word processor: the
same sections and headings, paragraphs and lists from the sanitised HTML (a small walker for
p, br, strong/b, em/i, ul/ol/li, h3/h4, a), the figures of the charts as tables, the L6313-4
notice at the top and in every page's footer with « page X / Y »."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bilan.documents.renderers import SyntheseDocument
from bilan.documents.sanitize import strip_controls


class HtmlToDocx(HTMLParser):
    """Write sanitised HTML (the tags sanitize.ALLOWED_TAGS allows) into a python-docx body."""

    def __init__(self, document) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = None
        self.bold = 0
        self.italic = 0
        self.link: str | None = None
        self.link_text = ""
        self.lists: list[str] = []  # "ul" / "ol", innermost last

    def _paragraph(self, style: str | None = None):
        self.paragraph = self.document.add_paragraph(style=style)
        return self.paragraph

    def _ensure_paragraph(self):
        return self.paragraph or self._paragraph()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "p":
            self._paragraph()
        elif tag in ("h3", "h4"):
            self._paragraph("Heading 3" if tag == "h3" else "Heading 4")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.paragraph = None
        elif tag == "li":
            kind = "List Number" if (self.lists[-1:] or ["ul"])[0] == "ol" else "List Bullet"
            depth = min(len(self.lists), 3)
            self._paragraph(kind if depth <= 1 else f"{kind} {depth}")
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br":
            self._ensure_paragraph().add_run().add_break()
        elif tag == "a":
            self.link = dict(attrs).get("href") or ""
            self.link_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "h3", "h4", "li"):
            self.paragraph = None
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.paragraph = None
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "a" and self.link is not None:
            if self.link and self.link_text.strip() != self.link:
                run = self._ensure_paragraph().add_run(f" ({self.link})")
                run.font.size = Pt(8)
            self.link = None

    def handle_data(self, data: str) -> None:
        data = strip_controls(data)
        if not data:
            return
        if self.paragraph is None and not data.strip():
            return  # whitespace between blocks
        run = self._ensure_paragraph().add_run(data)
        run.bold = bool(self.bold) or None
        run.italic = bool(self.italic) or None
        if self.link is not None:
            self.link_text += data
            run.font.underline = True
            run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x99)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in."""
    run = paragraph.add_run()
    begin, instr, end = (
        OxmlElement("w:fldChar"),
        OxmlElement("w:instrText"),
        OxmlElement("w:fldChar"),
    )
    begin.set(qn("w:fldCharType"), "begin")
    instr.set(qn("xml:space"), "preserve")
    instr.text = code
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(instr)
    run._r.append(end)


def _footer(document, doc: SyntheseDocument) -> None:
    footer = document.sections[0].footer
    notice = footer.paragraphs[0]
    notice.text = doc.notice
    notice.runs[0].font.size = Pt(7.5)
    pages = footer.add_paragraph()
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    pages.add_run(f"{doc.reference} — version {doc.version_number} — page ").font.size = Pt(8)
    _field(pages, "PAGE")
    pages.add_run(" / ")
    _field(pages, "NUMPAGES")


class DocxRenderer:
    format = "docx"
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def render(self, document: SyntheseDocument) -> bytes:
        doc = Document()
        style = doc.styles["Normal"]
        style.font.name = "DejaVu Sans"
        style.font.size = Pt(10)
        section = doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(1.8)
        core = doc.core_properties
        core.title = f"Document de synthèse — {document.beneficiary}"
        core.language = "fr-FR"
        _footer(doc, document)

        if document.logo and document.logo.content_type in ("image/png", "image/jpeg"):
            try:
                doc.add_picture(io.BytesIO(document.logo.data), height=Cm(1.5))
            except Exception:
                pass
        doc.add_paragraph(document.organisation).runs[0].bold = True
        if document.organisation_details:
            doc.add_paragraph(document.organisation_details)
        doc.add_heading("Document de synthèse", level=0)
        doc.add_paragraph(
            f"Bilan de compétences de {document.beneficiary} · {document.reference}\n"
            f"Consultant·e : {document.consultant}\n"
            f"Version {document.version_number} — {document.status_label}"
        )
        notice = doc.add_paragraph(document.notice)
        notice.runs[0].italic = True

        doc.add_heading("Sommaire", level=1)
        for s in document.sections:
            doc.add_paragraph(f"{s.number}. {s.title}")

        for s in document.sections:
            doc.add_heading(f"{s.number}. {s.title}", level=1)
            walker = HtmlToDocx(doc)
            walker.feed(s.html)
            walker.close()
            if s.key == "competences":
                for chart in document.charts:
                    doc.add_heading(chart.title, level=3)
                    table = doc.add_table(rows=0, cols=2)
                    table.style = "Table Grid"
                    for label, value in chart.rows:
                        cells = table.add_row().cells
                        cells[0].text, cells[1].text = label, value
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
