"""The one PDF renderer (bilan.lib.render): a small PDF rendered for real and read back with
pypdf (metadata, text, footer, page numbers, language, fonts), what it may fetch (the static
files, data: URIs, nothing else), and a scan of bilan/ proving no other module imports
WeasyPrint."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import io
import socket
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from bilan.lib import render
from bilan.lib.render import css_string, render_pdf, render_pdf_html

BILAN = Path(__file__).resolve().parent.parent
CREATED = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)


def read(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    pages = [" ".join(p.extract_text().replace("\xa0", " ").split()) for p in reader.pages]
    return reader, pages


def png(path: Path) -> Path:
    Image.new("RGB", (40, 20), "navy").save(path, "PNG")
    return path


def locmem(templates: dict[str, str]) -> override_settings:
    return override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "loaders": [("django.template.loaders.locmem.Loader", templates)],
                    "builtins": ["django.templatetags.static"],
                },
            }
        ]
    )


def test_a_pdf_carries_its_title_author_date_language_text_footer_and_page_numbers() -> None:
    html = "<p>Première page</p><p style='break-before: page'>Seconde page</p>"
    pdf = render_pdf_html(
        html,
        title="Feuille d'émargement — Léa O'Neil",
        author="L'Atelier d'Orientation",
        footer='L\'Atelier "Orientation" </style> — Léa',
        header="Confidentiel — art. L6313-4",
        created=CREATED,
    )
    reader, pages = read(pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == "Feuille d'émargement — Léa O'Neil"
    assert reader.metadata.author == "L'Atelier d'Orientation"
    assert reader.metadata.creation_date == CREATED
    assert str(reader.root_object["/Lang"]) == "fr"
    assert len(pages) == 2
    assert "Première page" in pages[0] and "Seconde page" in pages[1]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} / 2" in text
        assert 'L\'Atelier "Orientation" </style> — Léa' in text
        assert "Confidentiel — art. L6313-4" in text


def test_without_a_date_the_pdf_is_dated_now_and_without_an_author_it_names_none() -> None:
    before = timezone.now().replace(microsecond=0)
    reader, _pages = read(render_pdf_html("<p>x</p>", title="Titre"))
    assert reader.metadata is not None
    assert reader.metadata.author is None
    created = reader.metadata.creation_date
    assert created is not None and before <= created <= timezone.now()


def test_the_base_font_is_dejavu_sans_and_a_template_may_override_it() -> None:
    def fonts(pdf: bytes) -> set[str]:
        resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
        return {str(f["/BaseFont"]) for f in resources["/Font"].values()}

    assert any("DejaVu-Sans" in f for f in fonts(render_pdf_html("<p>é</p>", title="t")))
    serif = "<style>html { font-family: 'DejaVu Serif' }</style><p>é</p>"
    assert all("DejaVu-Serif" in f for f in fonts(render_pdf_html(serif, title="t")))


def test_extra_stylesheets_apply_after_the_base_one() -> None:
    reader, _pages = read(
        render_pdf_html("<p>x</p>", title="t", stylesheets=["@page { size: A5 }"])
    )
    width = float(reader.pages[0].mediabox.width)
    assert round(width / 72 * 25.4) == 148  # A5 is 148 mm wide


def test_a_template_is_rendered_with_its_context_in_french_whatever_the_visitors_language() -> None:
    template = "{% load i18n %}{% get_current_language as lang %}<p>Langue : {{ lang }}</p><p>{{ who }}</p>"
    with locmem({"doc.html": template}), translation.override("en"):
        pdf = render_pdf("doc.html", {"who": "Bruno <Bénéf>"}, title="Titre")
        assert translation.get_language() == "en"
    _reader, pages = read(pdf)
    assert "Langue : fr" in pages[0]
    assert "Bruno <Bénéf>" in pages[0]


def test_css_string_leaves_only_letters_digits_spaces_and_escapes() -> None:
    escaped = css_string('L\'a "b" ;}')
    assert escaped == "L\\27 a \\22 b\\22  \\3b \\7d "
    assert not set(escaped) & set("'\";{}")


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_static_file_is_read_by_a_relative_path_or_its_static_url(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    png(static / "logo.png")
    with override_settings(STATICFILES_DIRS=[static]):
        assert images_in(render_pdf_html('<img src="logo.png">', title="t")) == 1
        assert images_in(render_pdf_html('<img src="/static/logo.png">', title="t")) == 1
    with (
        override_settings(STATICFILES_DIRS=[static]),
        locmem({"logo.html": '{% load static %}<img src="{% static "logo.png" %}">'}),
    ):
        assert images_in(render_pdf("logo.html", {}, title="t")) == 1


def test_a_data_uri_is_read() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    assert images_in(render_pdf_html(f'<img src="{uri}">', title="t")) == 1


def test_nothing_outside_the_static_files_is_read_and_nothing_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    outside = png(tmp_path / "secret.png")
    connections: list[object] = []

    def no_network(*args: object, **kwargs: object) -> socket.socket:
        connections.append(args)
        raise OSError("no network while rendering")

    monkeypatch.setattr(socket, "create_connection", no_network)
    html = (
        f'<img src="{outside.as_uri()}"><img src="../secret.png">'
        '<img src="/static/../secret.png"><img src="https://example.org/x.png">'
        '<link rel="stylesheet" href="http://example.org/x.css">'
    )
    with override_settings(STATICFILES_DIRS=[static]):
        pdf = render_pdf_html(html, title="t")
    assert images_in(pdf) == 0
    assert connections == []


def weasyprint_importers() -> list[str]:
    """Every module under bilan/ with an `import weasyprint…` or `from weasyprint… import`,
    at module level or inside a function."""
    found = []
    for path in sorted(BILAN.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "weasyprint" or n.startswith("weasyprint.") for n in names):
                found.append(path.relative_to(BILAN.parent).as_posix())
                break
    return found


def test_no_module_but_the_renderer_imports_weasyprint() -> None:
    assert weasyprint_importers() == ["bilan/lib/render.py"]


def test_the_renderer_imports_no_app() -> None:
    tree = ast.parse(Path(render.__file__).read_text(encoding="utf-8"))
    modules = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert modules and not [m for m in modules if m.startswith("bilan")]
