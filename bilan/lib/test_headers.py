"""Security headers (issue 11): every URL pattern of config.urls, walked as anonymous, as a
beneficiary, a consultant, an admin and with an API token, answers with the CSP (nothing
inline allowed), Permissions-Policy, and `Cache-Control: no-store` when someone is
authenticated or the answer is a file; and no page carries inline script, style or handler."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image
from pytest_django import Settings

from bilan.accounts.models import ApiToken, User
from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien
from bilan.lib.middleware import PERMISSIONS_POLICY
from bilan.organisations.logos import replace_logo

REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
PAGE_TYPES = {"text/html", "application/json"}
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


# ---- the walk -------------------------------------------------------------------------


def url_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(full route, pattern) for every endpoint, through every include()."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        else:
            yield route, entry


def concrete_url(route: str, ids: dict[str, object]) -> str:
    """The route with each converter filled: the id of a real object of the cast where the
    route says which one (a bilan, an entretien), else a plausible dummy value."""

    def value(name: str, before: str) -> str:
        if name == "pk":
            is_entretien = re.search(r"(^|/)entretiens/$", before) or before.endswith(
                "espace/entretiens/"
            )
            return str(ids["entretien"] if is_entretien else ids["bilan"])
        return str(ids.get(name, 1))

    if route.startswith("^"):  # a regular expression (the logos)
        route = route.strip("^$").replace("\\", "")
        return "/" + REGEX_GROUP.sub(lambda m: str(ids.get(m["name"], "x")), route)
    out, position = "", 0
    for match in CONVERTER.finditer(route):
        out += route[position : match.start()]
        out += value(match["name"], out)
        position = match.end()
    return "/" + out + route[position:]


def directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def header_problems(response: HttpResponseBase, *, authenticated: bool) -> list[str]:
    problems: list[str] = []
    csp = response.get("Content-Security-Policy")
    if not csp:
        problems.append("no Content-Security-Policy")
    elif not csp.startswith("sandbox"):  # uploaded files carry their own, stricter one
        found = directives(csp)
        for name, wanted in REQUIRED_DIRECTIVES.items():
            if found.get(name) != wanted:
                problems.append(f"CSP {name} is {found.get(name)!r}, not {wanted!r}")
    for name in ("script-src", "style-src", "default-src"):
        if csp and "'unsafe-inline'" in directives(csp).get(name, ""):
            problems.append(f"'unsafe-inline' in {name}")
    if response.get("Permissions-Policy") != PERMISSIONS_POLICY:
        problems.append(f"Permissions-Policy is {response.get('Permissions-Policy')!r}")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}")
    media_type = response.get("Content-Type", "").split(";")[0]
    is_file = "Content-Disposition" in response or media_type not in PAGE_TYPES
    if (authenticated or is_file) and "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {response.get('Cache-Control')!r} ({media_type})")
    return problems


@pytest.fixture
def walk_cast(cast: SimpleNamespace, settings: Settings, tmp_path: Path) -> SimpleNamespace:
    """The shared cast, with an entretien, a logo and an API token for the consultant."""
    settings.MEDIA_ROOT = tmp_path
    advance_to(cast.bilan, Status.PRELIMINARY)
    cast.entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=90,
    )
    png = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(png, format="PNG")
    replace_logo(cast.org, ContentFile(png.getvalue(), name="walk.png"))
    cast.token = ApiToken.issue(cast.consultant)
    cast.ids = {
        "bilan": cast.bilan.pk,
        "entretien": cast.entretien.pk,
        "bilan_id": cast.bilan.pk,
        "entretien_id": cast.entretien.pk,
        "path": cast.org.logo.name,
        "key": "free",
        "slug": "accueil",
        "code_rome": "M1805",
        "code": "riasec",
        "name": "x",
        "token": "x",
        "uidb64": "x",
        "action": "x",
    }
    return cast


def test_every_url_pattern_answers_with_the_security_headers_for_every_role(
    walk_cast: SimpleNamespace,
) -> None:
    cast = walk_cast
    patterns = list(url_patterns())
    urls = sorted({concrete_url(route, cast.ids) for route, _pattern in patterns})
    visitors: dict[str, Client] = {"anonyme": Client()}
    for role in ("beneficiary", "consultant", "admin"):
        visitors[role] = Client()
        visitors[role].force_login(getattr(cast, role))
    visitors["jeton API"] = Client(HTTP_AUTHORIZATION=f"Bearer {cast.token}")

    problems: list[str] = []
    statuses: dict[int, int] = {}
    requests = 0
    for who, client in visitors.items():
        for url in urls:
            response = client.get(url)
            requests += 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            for problem in header_problems(response, authenticated=who != "anonyme"):
                problems.append(f"{who} GET {url} ({response.status_code}): {problem}")
            if response.get("Content-Type", "").startswith("text/html") and response.content:
                for problem in inline_code(response.content.decode()):
                    problems.append(f"{who} GET {url} ({response.status_code}): {problem}")

    print(
        f"\nURL walk: {len(patterns)} URL patterns, {len(urls)} distinct URLs, "
        f"{len(visitors)} visitors, {requests} requests, statuses {dict(sorted(statuses.items()))}"
    )
    assert not problems, "\n".join(problems)
    # The walk really covers the application: every app's URLs, real pages and refusals.
    assert len(patterns) >= 230
    assert requests == len(urls) * len(visitors)
    assert statuses.get(200, 0) > 100 and statuses.get(302, 0) and statuses.get(404, 0)
    assert statuses.get(401, 0) and statuses.get(405, 0)


def test_the_walk_fills_converters_with_the_casts_objects() -> None:
    ids: dict[str, object] = {
        "bilan": 7,
        "entretien": 9,
        "bilan_id": 7,
        "path": "logos/a.png",
        "key": "free",
    }
    assert concrete_url("bilans/<int:pk>/", ids) == "/bilans/7/"
    assert concrete_url("entretiens/<int:pk>/notes/<str:key>/", ids) == "/entretiens/9/notes/free/"
    assert (
        concrete_url("entretiens/bilan/<int:pk>/planifier/", ids)
        == "/entretiens/bilan/7/planifier/"
    )
    assert concrete_url("espace/entretiens/<int:pk>/invitation.ics", ids) == (
        "/espace/entretiens/9/invitation.ics"
    )
    assert concrete_url("api/v1/bilans/<bilan_id>/journal", ids) == "/api/v1/bilans/7/journal"
    assert concrete_url(r"^media/(?P<path>logos/[\w.-]+)$", ids) == "/media/logos/a.png"


def test_the_checks_fail_on_a_response_without_the_headers() -> None:
    """The walk's assertions bite: a bare response is reported on every header."""
    from django.http import HttpResponse

    bare = HttpResponse("<p>x</p>")
    problems = header_problems(bare, authenticated=True)
    assert any("Content-Security-Policy" in p for p in problems)
    assert any("Permissions-Policy" in p for p in problems)
    assert any("Cache-Control" in p for p in problems)
    loose = HttpResponse(b"%PDF", content_type="application/pdf")
    loose["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    problems = header_problems(loose, authenticated=False)
    assert "'unsafe-inline' in script-src" in problems
    assert any("Cache-Control" in p for p in problems)  # a file, even for an anonymous visitor


# ---- specific responses ---------------------------------------------------------------


def test_an_uploaded_file_keeps_its_sandbox_csp_and_is_never_cached(
    walk_cast: SimpleNamespace,
) -> None:
    response = Client().get("/media/" + walk_cast.org.logo.name)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in response["Cache-Control"]
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_an_anonymous_page_is_not_marked_no_store_but_a_logged_in_one_is(
    cast: SimpleNamespace, client: Client
) -> None:
    """(The login form itself is never cached: Django's LoginView says so on its own.)"""
    anonymous = client.get("/pas-de-page-ici/")
    assert anonymous.status_code == 404
    assert "Cache-Control" not in anonymous
    assert anonymous["Permissions-Policy"] == PERMISSIONS_POLICY
    client.force_login(cast.consultant)
    home = client.get(reverse("bilans:list"))
    assert home.status_code == 200
    assert home["Cache-Control"] == "private, no-store"


def test_an_api_call_with_a_token_is_never_cached(cast: SimpleNamespace) -> None:
    token = ApiToken.issue(cast.consultant)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/bilans")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_static_files_keep_their_caching(client: Client) -> None:
    response = client.get("/static/css/bilan.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    b"".join(response)  # a FileResponse: read to the end, which closes the file


def test_the_api_docs_use_the_vendored_swagger_ui_with_no_inline_script(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "ninja/swagger-ui-init.js" in page
    assert not inline_code(page)


# ---- no inline code in the pages ------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what the CSP would refuse: inline scripts, <style> elements, style and on…
    attributes, javascript: URLs. A <script type="application/json"> is data, not code."""

    DATA_TYPES = {"application/json", "application/ld+json", "text/template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src"):
            if (named.get("type") or "").lower() not in self.DATA_TYPES:
                self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f'style="{value}" on <{tag}> at line {self.getpos()[0]}')
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL in {name} on <{tag}>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_inline_code_checker_finds_each_kind() -> None:
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/json">{}</script><style>p{}</style>'
        '<p style="color:red" onclick="x()"><a href="javascript:alert(1)">a</a></p>'
    )
    problems = inline_code(html)
    assert len(problems) == 5, problems
    assert not inline_code('<p class="w-50" data-on="x">ok</p>')


def main_pages(cast: SimpleNamespace) -> list[tuple[User | None, str]]:
    """The pages people spend their time on, with data in them (hours bar, entretien notes,
    a drawn signature, test and synthèse screens)."""
    bilan, entretien = cast.bilan, cast.entretien
    return [
        (None, reverse("accounts:login")),
        (None, reverse("accounts:reset")),
        (cast.consultant, reverse("home")),
        (cast.consultant, reverse("bilans:list")),
        (cast.consultant, reverse("bilans:detail", args=[bilan.pk])),
        (cast.consultant, reverse("entretiens:conduct", args=[entretien.pk])),
        (cast.consultant, reverse("entretiens:attendance", args=[entretien.pk])),
        (cast.consultant, reverse("entretiens:guide_list")),
        (cast.consultant, reverse("documents:synthese", args=[bilan.pk])),
        (cast.consultant, reverse("careers:matching", args=[bilan.pk])),
        (cast.consultant, reverse("assessments:bilan_tests", args=[bilan.pk])),
        (cast.admin, reverse("organisations:settings")),
        (cast.admin, reverse("compliance:audit")),
        (cast.admin, reverse("organisations:team")),
        (cast.beneficiary, reverse("portal:home")),
        (cast.beneficiary, reverse("portal:tests")),
        (cast.beneficiary, reverse("portal:attendance", args=[entretien.pk])),
        (cast.beneficiary, reverse("portal:messages")),
        (cast.beneficiary, reverse("portal:parcours")),
    ]


def test_the_main_pages_have_no_inline_script_style_or_handler(
    walk_cast: SimpleNamespace,
) -> None:
    problems: list[str] = []
    for user, url in main_pages(walk_cast):
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        problems += [f"{url}: {p}" for p in inline_code(response.content.decode())]
    assert not problems, "\n".join(problems)


def test_the_hours_bar_widths_are_classes(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert re.search(r'<span class="planned w-\d{1,3}"></span>', page)
    assert re.search(r'<span class="done w-\d{1,3}"></span>', page)
