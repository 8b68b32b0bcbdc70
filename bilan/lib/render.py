"""One renderer contract for every PDF the product makes (issue 12): the attendance sheet, the
certificat de réalisation, the compte-rendu of the suivi, a test's results and the synthèse.

    render_pdf("documents/x.html", context, title=…, author=…, footer=…) -> bytes
    render_pdf_html(html, title=…, author=…, footer=…) -> bytes

WeasyPrint is called here and nowhere else (`bilan/lib/test_render.py` parses every module of
`bilan/` and fails on any other import of it). What every document shares is decided once:

- the language: a template is rendered under `translation.override(language)` (« fr », the
  language the documents are written in for a funder or a beneficiary) and the PDF declares it
  (the catalog's /Lang);
- the fonts: a base stylesheet (DejaVu Sans, which has every French character and the narrow
  no-break space) at the user origin, so a template's own CSS still wins, and one
  FontConfiguration per document for any `@font-face`;
- the page margins' text: `footer` at the bottom left, « Page X / Y » at the bottom right and an
  optional `header` at the top centre, each escaped as a CSS string (`css_string`), so no name
  with a quote can end the string;
- what may be fetched: `data:` URIs, and files inside the static directories (`base_url` is the
  static root, so `{% static "x" %}` or a relative path resolves there); no network, no other
  file;
- the metadata: title, author, creation date (now unless given) and language.

A lib module: it imports no app; the caller passes the template name and its context, or HTML.
The DOCX side stays in `bilan/documents/renderers/docx.py`: python-docx is used there only.
"""

from __future__ import annotations

import datetime as dt
import functools
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _t

LANGUAGE = "fr"

BASE_CSS = 'html { font-family: "DejaVu Sans", sans-serif; color: #111; }'

MARGIN_TEXT = "font-size: 7.5pt; color: #555;"


def css_string(value: object) -> SafeString:
    """Text for a CSS `content: "…"` string (page footers): every character that is not a
    letter, digit or space as a CSS escape, so no quote or markup can end the string."""
    out = [c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in str(value)]
    return mark_safe("".join(out))


def page_css(*, footer: str = "", header: str = "") -> str:
    """The margins' text of every page: the footer, « Page X / Y », and the header if any."""
    page = css_string(_t("Page"))
    boxes = [
        f'@bottom-right {{ content: "{page}\\00A0" counter(page) "\\00A0/\\00A0" '
        f"counter(pages); font-size: 8pt; color: #555; }}"
    ]
    if footer:
        boxes.append(f'@bottom-left {{ content: "{css_string(footer)}"; {MARGIN_TEXT} }}')
    if header:
        boxes.append(f'@top-center {{ content: "{css_string(header)}"; {MARGIN_TEXT} }}')
    return "@page { " + " ".join(boxes) + " }"


def static_roots() -> list[Path]:
    """The directories a document may read a file from: the static sources and the collected
    static files."""
    roots = [Path(d) for d in getattr(settings, "STATICFILES_DIRS", ())]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [r.resolve() for r in roots]


def static_path(url: str, roots: Sequence[Path]) -> Path | None:
    """The file a `file:` URL names, if it is inside one of the static roots (a `{% static %}`
    URL, « /static/x », is looked up under each root); else None."""
    path = unquote(urlsplit(url).path)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    candidates = [Path(path)]
    if path.startswith(prefix):
        candidates += [root / path.removeprefix(prefix) for root in roots]
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_file() and any(resolved.is_relative_to(root) for root in roots):
            return resolved
    return None


@functools.cache
def fetcher_class() -> Callable[[Sequence[Path]], Any]:
    """The URL fetcher: `data:` URIs, and the static files; anything else is refused (WeasyPrint
    then leaves the image or stylesheet out and renders the rest)."""
    # WeasyPrint is imported on the first render, not at start-up: loading it (Pango,
    # fontconfig) takes seconds that a process serving pages does not need to spend.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
        def __init__(self, roots: Sequence[Path]) -> None:
            super().__init__(allowed_protocols={"data"})
            self.roots = list(roots)

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if url.lower().startswith("file:"):
                path = static_path(url, self.roots)
                if path is None:
                    raise ValueError(f"Only the static files may be read while rendering: {url}")
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), path.read_bytes(), headers={"Content-Type": mime}
                )
            return super().fetch(url, headers)

    return StaticOnlyFetcher


def render_pdf_html(
    html: str,
    *,
    title: str,
    author: str = "",
    footer: str = "",
    header: str = "",
    stylesheets: Sequence[str] = (),
    created: dt.datetime | None = None,
    language: str = LANGUAGE,
) -> bytes:
    """The PDF of an HTML document; `stylesheets` are CSS texts added after the base one."""
    # Imported on the first render (see fetcher_class): seconds of start-up otherwise.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    roots = static_roots()
    base_url = roots[0].as_uri() + "/" if roots else None
    fetcher = fetcher_class()(roots)
    fonts = FontConfiguration()
    with translation.override(language):
        margins = page_css(footer=footer, header=header)
    sheets = [
        CSS(string=css, base_url=base_url, url_fetcher=fetcher, font_config=fonts)
        for css in (BASE_CSS, margins, *stylesheets)
    ]
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, font_config=fonts
    )
    metadata = document.metadata
    metadata.title = title
    metadata.authors = [author] if author else []
    metadata.created = timezone.localtime(created or timezone.now()).isoformat(timespec="seconds")
    metadata.lang = language
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(
    template: str,
    context: Mapping[str, Any],
    *,
    title: str,
    author: str = "",
    footer: str = "",
    header: str = "",
    stylesheets: Sequence[str] = (),
    created: dt.datetime | None = None,
    language: str = LANGUAGE,
) -> bytes:
    """The PDF of a template rendered with its context, in `language` (see the module's doc)."""
    with translation.override(language):
        html = render_to_string(template, dict(context))
        return render_pdf_html(
            html,
            title=title,
            author=author,
            footer=footer,
            header=header,
            stylesheets=stylesheets,
            created=created,
            language=language,
        )
