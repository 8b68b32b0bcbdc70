"""Funders see administration only (issue 13 item 5, REQ-8, REQ-30): the employer, OPCO and
France Travail roles walk EVERY URL pattern (the Django resolver) and EVERY API operation (the
ninja OpenAPI schema), GET and POST, with a marker planted in every content field of a bilan
taken to its close: the marker never comes back, nothing answers 5xx. Their own view shows the
administrative facts of the bilans their share ties them to, and nothing else."""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bilan.accounts.models import ApiToken, User
from bilan.bilans.access import can_read_content, get_bilan_for_user
from bilan.bilans.content import content_models
from bilan.bilans.models import Bilan, Status
from bilan.bilans.testing import make_member
from bilan.demo.scenario import advance_to
from bilan.funding import rules
from bilan.funding.models import FundingShare
from bilan.organisations.access import require_membership
from bilan.organisations.models import FUNDER_ROLES, Role
from config.api import api

MARKER = "ZQXCONTENU42"
ROLE_NAMES = {Role.EMPLOYER: "employer", Role.OPCO: "opco", Role.FRANCE_TRAVAIL: "france_travail"}


def plant(marker: str) -> int:
    """Write the marker into every text field of every content row; the rows planted."""
    planted = 0
    for model in content_models():
        text = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField))
            and not f.choices
            and not f.primary_key
            and (getattr(f, "max_length", None) or 999) >= len(marker)
        ]
        json = [f.name for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]
        for row in model.objects.all():  # type: ignore[attr-defined]
            for name in text:
                setattr(row, name, marker)
            for name in json:
                value = getattr(row, name)
                if isinstance(value, dict):
                    setattr(row, name, {k: marker for k in value} or {"marker": marker})
                elif isinstance(value, list):
                    setattr(row, name, [marker])
            row.save()
            planted += 1
    return planted


@pytest.fixture
def world(cast: SimpleNamespace) -> SimpleNamespace:
    advance_to(cast.bilan, Status.CLOSED)
    w = SimpleNamespace(cast=cast)
    w.funders = {
        role: make_member(cast.org, f"{name}@financeur.test", role, "Fanny", name.title())
        for role, name in ROLE_NAMES.items()
    }
    funding = rules.funding_of(cast.bilan)
    FundingShare.objects.filter(funding=funding).update(funder=w.funders[Role.EMPLOYER])
    for role in (Role.OPCO, Role.FRANCE_TRAVAIL):
        FundingShare.objects.create(
            funding=funding,
            position=FundingShare.objects.filter(funding=funding).count(),
            route={Role.OPCO: "opco", Role.FRANCE_TRAVAIL: "france_travail"}[role],
            payer_kind={Role.OPCO: "opco", Role.FRANCE_TRAVAIL: "france_travail"}[role],
            funder=w.funders[role],
        )
    w.planted = plant(MARKER)
    ids = {cast.bilan.pk, cast.other_bilan.pk}
    for model in content_models():
        ids.update(model.objects.values_list("pk", flat=True)[:2])  # type: ignore[attr-defined]
    w.ids = sorted(ids)[:6]
    return w


def fill(route: str, ids: list[int]) -> list[str]:
    """Every concrete URL of a pattern, each int parameter taking each candidate id."""
    params = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    choices = [[str(i) for i in ids] if conv == "int" else ["test"] for conv, _name in params]
    urls = []
    for values in itertools.product(*choices):
        url = route
        for (conv, name), value in zip(params, values, strict=True):
            url = url.replace(f"<{conv}:{name}>" if conv else f"<{name}>", value, 1)
        urls.append(url)
    return urls


def url_patterns(resolvers: list[Any], prefix: str = "") -> list[str]:
    found = []
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue
            found += url_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if not route.startswith("^"):
                found.append(route)
    return found


def api_calls() -> list[tuple[str, str]]:
    spec = api.get_openapi_schema()
    return [
        (method.upper(), "/api/v1" + path.replace("{", "<").replace("}", ">"))
        for path, item in spec["paths"].items()
        for method in item
    ]


def test_no_funder_role_reaches_content_anywhere(world: SimpleNamespace, capsys: Any) -> None:
    assert world.planted >= 5  # the closed bilan has content everywhere it is kept
    requests, leaks, errors = 0, [], []
    pages = [
        u for route in url_patterns(get_resolver().url_patterns) for u in fill(route, world.ids)
    ]
    for role, user in world.funders.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        token = ApiToken.issue(user)
        for url in pages:
            for method in ("get", "post"):
                response = getattr(client, method)("/" + url)
                requests += 1
                body = response.content.decode(errors="replace")
                if MARKER in body:
                    leaks.append(f"{role} {method.upper()} /{url}")
                if response.status_code >= 500:
                    errors.append(f"{role} {method.upper()} /{url} {response.status_code}")
        for method, route in api_calls():
            for url in fill(route.lstrip("/"), world.ids):
                response = client.generic(
                    method,
                    "/" + url,
                    data="{}" if method != "GET" else "",
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {token}"},
                )
                requests += 1
                if MARKER in response.content.decode(errors="replace"):
                    leaks.append(f"{role} {method} /{url}")
                if response.status_code >= 500:
                    errors.append(f"{role} {method} /{url} {response.status_code}")
    with capsys.disabled():
        print(
            f"\nfunder permission matrix: {len(FUNDER_ROLES)} roles, {len(pages)} page URLs, "
            f"{len(api_calls())} API operations, {requests} requests, {world.planted} content "
            f"rows planted, {len(leaks)} leaks"
        )
    assert leaks == []
    assert errors == []


def test_the_marker_is_reachable_by_the_consultant_so_the_matrix_can_see_a_leak(
    world: SimpleNamespace,
) -> None:
    client = Client()
    client.force_login(world.cast.consultant)
    token = ApiToken.issue(world.cast.consultant)
    response = client.get(
        f"/api/v1/bilans/{world.cast.bilan.pk}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert MARKER in response.content.decode()


def test_the_access_helpers_refuse_the_funder_roles(world: SimpleNamespace) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    for user in world.funders.values():
        user.membership = user.memberships.get()
        assert not Bilan.objects.for_user(user).exists()
        with pytest.raises(Http404):
            get_bilan_for_user(user, world.cast.bilan.pk)
        with pytest.raises(PermissionDenied):
            require_membership(user)
        assert not can_read_content(user, world.cast.bilan)


@pytest.mark.parametrize("role", list(ROLE_NAMES))
def test_each_funder_sees_its_bilan_administratively(world: SimpleNamespace, role: str) -> None:
    user: User = world.funders[role]
    client = Client()
    client.force_login(user)
    assert client.get("/").url == "/financement/financeur/"  # type: ignore[attr-defined]
    page = client.get("/financement/financeur/").content.decode()
    assert world.cast.bilan.reference in page
    assert world.cast.other_bilan.reference not in page
    assert "sortie" in page and "entrée" in page and MARKER not in page
    certificate = client.get(f"/financement/financeur/bilans/{world.cast.bilan.pk}/certificat.pdf")
    assert certificate.status_code == 200 and certificate["Content-Type"] == "application/pdf"
    other = client.get(f"/financement/financeur/bilans/{world.cast.other_bilan.pk}/certificat.pdf")
    assert other.status_code == 404
    token = ApiToken.issue(user)
    listed = client.get("/api/v1/funded-bilans", headers={"Authorization": f"Bearer {token}"})
    assert [b["id"] for b in listed.json()] == [world.cast.bilan.pk]
    assert listed.json()[0]["attendance_minutes"] > 0


@pytest.mark.parametrize("who", ["admin", "consultant", "beneficiary"])
def test_the_funder_view_is_for_funders_only(cast: SimpleNamespace, who: str) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    assert client.get("/financement/financeur/").status_code == 403
    token = ApiToken.issue(getattr(cast, who))
    response = client.get("/api/v1/funded-bilans", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
