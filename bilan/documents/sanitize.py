"""The synthèse's rich text: what a consultant types or pastes is sanitised with nh3 (Ammonia)
on every save and again before every rendering, so no script, handler, style or image from a
pasted page ever reaches a browser, a PDF or a DOCX. Pure functions, no ORM.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "h3", "h4", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_SECTION_CHARS = 60_000

# Characters XML (hence DOCX and the PDF's HTML parser) cannot hold, and invisible controls.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)
_TAG = re.compile(r"(<[^>]*>)")
_LOOKS_LIKE_HTML = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^>]*)?/?>|<!--|&[a-zA-Z#][a-zA-Z0-9]*;")


def strip_controls(text: str) -> str:
    return _CONTROLS.sub("", text or "")


def text_to_html(text: str) -> str:
    """Plain text as paragraphs (a blank line between two), single line breaks kept."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", strip_controls(text).replace("\r", ""))]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in b.split("\n")) + "</p>"
        for b in blocks
        if b
    )


def sanitize(value: str) -> str:
    """Allowed markup only: paragraphs, bold, italic, lists, h3–h4 headings, http(s)/mailto
    links (rel=noopener). Text without any tag is taken as plain text."""
    value = strip_controls(value).replace("\r\n", "\n").strip()
    if not value:
        return ""
    if not _LOOKS_LIKE_HTML.search(value):
        value = text_to_html(value)
    cleaned = nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
    return "" if is_blank(cleaned) else cleaned


def is_blank(fragment: str) -> bool:
    """No visible text left once tags are removed."""
    text = html.unescape(_TAG.sub("", fragment or ""))
    return not text.replace("\u00a0", " ").strip()


def plain_text(fragment: str) -> str:
    """The fragment's text (for comparisons and previews)."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment or "")).split())


# ---- French typography ------------------------------------------------------------------
NBSP, NNBSP = "\u00a0", "\u202f"
_BEFORE_HIGH = re.compile(r"[ \t\u00a0\u202f]+([;!?])")
_BEFORE_COLON = re.compile(r"[ \t\u00a0\u202f]+:")
_AFTER_OPEN = re.compile(r"«[ \t\u00a0\u202f]*")
_BEFORE_CLOSE = re.compile(r"[ \t\u00a0\u202f]*»")


def french_spaces(text: str) -> str:
    """Non-breaking spaces where French puts a space: narrow before « ; ! ? », plain before
    « : », inside guillemets. Only spaces already typed before punctuation are replaced (a
    missing one is not added: « 10:30 » and « http: » stay whole)."""
    text = _BEFORE_HIGH.sub(NNBSP + r"\1", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _AFTER_OPEN.sub("«" + NBSP, text)
    return _BEFORE_CLOSE.sub(NBSP + "»", text)


def french_typography(fragment: str) -> str:
    """`french_spaces` on the text of sanitised markup, never inside a tag."""
    parts = _TAG.split(fragment or "")
    return "".join(p if p.startswith("<") else french_spaces(p) for p in parts)
