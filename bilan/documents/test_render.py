"""Rendering: the PDF and the DOCX are generated for real and read back (sections, the
L6313-4 notice, page numbers, table of contents, charts as vectors, logo; never a private
note); hostile input is sanitised in the HTML pages, the PDF and the DOCX; the background job
reports progress and stores the file with its version number in the private storage."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.base import ContentFile
from docx import Document
from pypdf import PdfReader

from bilan.documents import synthese as service
from bilan.documents.conftest import DEBRIEF, ENQUETE_DEBRIEF, PRIVATE
from bilan.documents.models import SECTIONS, RenderJob, RenderStatus
from bilan.documents.renderers import build_document, docx, renderer_for
from bilan.documents.sanitize import NBSP, NNBSP, french_typography, sanitize
from bilan.documents.tasks import render_synthese

HOSTILE = (
    '<p onclick="alert(1)">Bonjour<script>alert("xss")</script></p>'
    '<img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">lien piégé</a>'
    '<p style="color:red">Collé depuis Word<!-- commentaire --></p>'
    "<iframe src='https://evil.test'></iframe>"
    "<h3>Intertitre</h3><ul><li><strong>gras</strong> et <em>italique</em></li></ul>"
    '<a href="https://www.francetravail.fr/">France Travail</a>'
    "<p>Caractères : \x00\x07 é è ê à ç ô œ « guillemets » 😀 \u202eRTL &amp; &lt;b&gt; ?</p>"
)


def text_of_pdf(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() for page in reader.pages]


def text_of_docx(data: bytes) -> tuple[Document, str]:
    doc = Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    return doc, body


@pytest.fixture
def prefilled(cast, recorded):
    return service.start_synthese(bilan=cast.bilan, by=cast.consultant)


def render(synthese, fmt: str, number: int | None = None) -> bytes:
    document = build_document(synthese, number or synthese.latest().number)
    return renderer_for(fmt).render(document)


def test_the_pdf_has_every_section_the_notice_on_every_page_and_page_numbers(prefilled):
    data = render(prefilled, "pdf")
    reader, pages = text_of_pdf(data)
    everything = "\n".join(pages)
    for number, title in enumerate(SECTIONS.values(), start=1):
        assert f"{number}. {title}" in everything.replace("\n", " ")
    for i, text in enumerate(pages, start=1):
        assert "L6313-4" in text, i
        assert f"Page {i} / {len(pages)}".replace(" ", "") in text.replace(" ", "").replace(
            "\xa0", ""
        )
    assert "Sommaire" in pages[0]
    assert "Conseillère en insertion" in everything
    assert "Code Holland" in everything


def test_the_pdf_table_of_contents_gives_page_numbers(cast, prefilled):
    service.save_synthese(
        synthese=prefilled,
        by=cast.consultant,
        sections={"projet": "<p>Long paragraphe du projet. </p>" * 200},
    )
    _reader, pages = text_of_pdf(render(prefilled, "pdf"))
    toc = pages[0].replace("\xa0", " ")
    projet_page = next(
        i for i, t in enumerate(pages, start=1) if "4. Projet professionnel retenu" in t and i > 1
    )
    suivi_page = next(
        i for i, t in enumerate(pages, start=1) if "7. Modalités du suivi" in t and i > 1
    )
    assert suivi_page > projet_page
    lines = [line for line in toc.splitlines() if "Modalités du suivi" in line]
    assert lines and lines[0].rstrip().endswith(str(suivi_page)), toc


def test_the_pdf_draws_charts_as_vectors_and_shows_the_logo(cast, prefilled):
    reader, pages = text_of_pdf(render(prefilled, "pdf"))
    assert all(not page.images for page in reader.pages)  # the charts are paths, not pictures
    assert "RIASEC" in "\n".join(pages)
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(png, "PNG")
    cast.org.logo.save("logo.png", ContentFile(png.getvalue()), save=True)
    prefilled.bilan.organisation.refresh_from_db()
    reader, _pages = text_of_pdf(render(prefilled, "pdf"))
    assert reader.pages[0].images  # the logo, and only on the first page
    doc, _body = text_of_docx(render(prefilled, "docx"))
    assert doc.inline_shapes


def test_the_docx_has_every_section_headings_lists_and_the_notice(cast, prefilled):
    service.save_synthese(
        synthese=prefilled,
        by=cast.consultant,
        sections={
            "plan_action": "<h3>Étapes</h3><ol><li><strong>Se former</strong></li><li>Postuler</li></ol>"
            "<ul><li>Réseau<ul><li>Anciens collègues</li></ul></li></ul>"
            '<p>Voir <a href="https://www.francetravail.fr/">le site</a><br>ligne 2</p>',
        },
    )
    doc, body = text_of_docx(render(prefilled, "docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for number, title in enumerate(SECTIONS.values(), start=1):
        assert f"{number}. {title}" in headings
    assert "Étapes" in headings
    numbered = [p for p in doc.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["Se former", "Postuler"]
    assert numbered[0].runs[0].bold
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["Réseau"] == "List Bullet" and styles["Anciens collègues"] == "List Bullet 2"
    assert "le site (https://www.francetravail.fr/)" in body
    assert "L6313-4" in body
    assert "L6313-4" in "\n".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert "Conseillère en insertion" in body


def test_no_private_note_is_in_any_file(prefilled):
    pdf = "\n".join(text_of_pdf(render(prefilled, "pdf"))[1])
    _doc, docx = text_of_docx(render(prefilled, "docx"))
    for secret in (PRIVATE, DEBRIEF, ENQUETE_DEBRIEF):
        assert secret not in pdf and secret not in docx


# ---- hostile input ------------------------------------------------------------------------


def test_hostile_html_is_sanitised_on_save(cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    version = service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={"projet": HOSTILE}
    )
    html = version.section("projet")
    for bad in (
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "javascript:",
        "<img",
        "<iframe",
        "style=",
        "commentaire",
        "\x00",
        "\x07",
        "\u202e",
    ):
        assert bad not in html, bad
    assert '<a href="https://www.francetravail.fr/" rel="noopener noreferrer nofollow">' in html
    assert "<h3>Intertitre</h3>" in html and "<strong>gras</strong>" in html
    assert "&lt;b&gt;" in html and "😀" in html and "« guillemets »" in html


def test_hostile_html_is_neither_in_the_pdf_nor_in_the_docx(cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": HOSTILE})
    # Even a version written around the sanitiser is sanitised again when rendered.
    version = synthese.latest()
    version.sections["suivi"] = '<script>alert("direct")</script><p onmouseover="x()">ok</p>'
    version.save()
    pdf = "\n".join(text_of_pdf(render(synthese, "pdf"))[1])
    _doc, docx = text_of_docx(render(synthese, "docx"))
    for text in (pdf, docx):
        assert "alert" not in text and "onerror" not in text and "direct" not in text
        assert "Collé depuis Word" in text and "<b>" in text and "ok" in text


def test_very_long_text_is_refused_in_french_and_nothing_is_saved(cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    with pytest.raises(service.RuleViolation, match="trop long") as e:
        service.save_synthese(
            synthese=synthese, by=cast.consultant, sections={"projet": "a" * 70_000}
        )
    assert e.value.code == "invalid" and synthese.versions.count() == 1


def test_long_text_renders_on_many_pages(cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    word = "anticonstitutionnellement " * 2000
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": word})
    reader, _pages = text_of_pdf(render(synthese, "pdf"))
    assert len(reader.pages) > 3
    assert text_of_docx(render(synthese, "docx"))[1].count("anticonstitutionnellement") == 2000


def test_french_spaces_are_non_breaking_and_never_inside_tags():
    html = french_typography(
        sanitize('<p>Pourquoi ? Voici : « oui » ; <a href="https://x.test/?a=1">lien</a> 10:30</p>')
    )
    assert f"Pourquoi{NNBSP}?" in html and f"Voici{NBSP}:" in html
    assert f"«{NBSP}oui{NBSP}»" in html and f"{NNBSP};" in html
    assert 'href="https://x.test/?a=1"' in html and "10:30" in html


def test_plain_text_becomes_paragraphs():
    assert sanitize("Un.\nDeux.\n\nTrois <pas une balise") == (
        "<p>Un.<br>Deux.</p><p>Trois &lt;pas une balise</p>"
    )


# ---- the background job -------------------------------------------------------------------


def test_the_render_job_runs_in_the_background_and_stores_the_file_with_its_version(
    cast, prefilled, monkeypatch, django_capture_on_commit_callbacks, settings
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs the task in-process
    with django_capture_on_commit_callbacks(execute=True):
        job = service.request_render(synthese=prefilled, by=cast.consultant, fmt="pdf")
    job.refresh_from_db()
    assert (job.status, job.progress) == (RenderStatus.DONE, 100)
    assert job.file.name.startswith("syntheses/") and "-v1" in job.file.name
    path = job.file.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with open(path, "rb") as f:  # encrypted at rest (issue 16), in clear through the field
        assert f.read(4) == b"BLN1"
    with job.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"
    assert job.filename == f"synthese-{cast.bilan.reference}-v1.pdf"


def test_a_failed_render_says_so_in_french(cast, prefilled, monkeypatch):
    job = RenderJob.objects.create(synthese=prefilled, version_number=1, format="docx")

    def boom(document):
        raise RuntimeError("boom")

    monkeypatch.setattr(docx.DocxRenderer, "render", lambda self, d: boom(d))
    render_synthese(job.pk)
    job.refresh_from_db()
    assert job.status == RenderStatus.FAILED and "échoué" in job.error
    assert not job.file


def test_the_docx_job_stores_a_docx(cast, prefilled):
    job = RenderJob.objects.create(synthese=prefilled, version_number=1, format="docx")
    render_synthese(job.pk)
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE and job.file.name.endswith("-v1.docx")
    assert os.path.getsize(job.file.path) > 5000
