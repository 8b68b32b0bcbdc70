"""Issue 18: dashboards show bounded lists and the bilan list is paginated and searchable, so
a page costs the same whatever the number of bilans; nothing of another organisation shows."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from bilan.bilans import views
from bilan.bilans.models import Bilan
from bilan.bilans.testing import make_bilan, make_member
from bilan.organisations.models import Role


def many(cast: SimpleNamespace, n: int, prefix: str = "Extra") -> list[Bilan]:
    made = []
    for i in range(n):
        b = make_member(
            cast.org, f"{prefix.lower()}{i}@cap.test", Role.BENEFICIARY, "Eve", f"{prefix}{i:02d}"
        )
        made.append(make_bilan(cast.org, b, cast.consultant))
    return made


def rows(page: str) -> int:
    return len(re.findall(r'<tr>\s*<td><a href="/bilans/\d+/"', page))


def test_the_consultant_dashboard_shows_the_first_rows_of_a_stage_and_links_to_all(
    cast: SimpleNamespace, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "DASHBOARD_ROWS", 3)
    many(cast, 4)  # 5 bilans in « demande » for the consultant, with cast.bilan
    client.force_login(cast.consultant)
    page = client.get(reverse("home")).content.decode()
    assert rows(page) == 3
    assert "(5)" in page and "Voir les 5 bilans de cette étape" in page
    assert f"{reverse('bilans:list')}?etape=enquiry" in page


def test_the_admin_dashboard_shows_the_latest_bilans_and_the_total(
    cast: SimpleNamespace, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "DASHBOARD_ROWS", 2)
    many(cast, 3)
    client.force_login(cast.admin)
    page = client.get(reverse("home")).content.decode()
    assert rows(page) == 2
    assert "Tous les bilans (5)" in page  # 3 + the cast's 2; the outsider's is not counted


def test_the_bilan_list_is_paginated(
    cast: SimpleNamespace, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    many(cast, 3)
    client.force_login(cast.admin)
    first = client.get(reverse("bilans:list")).content.decode()
    assert rows(first) == 2 and "Page 1 sur 3 · 5 bilans" in first and 'rel="next"' in first
    last = client.get(reverse("bilans:list"), {"page": 3}).content.decode()
    assert rows(last) == 1 and 'rel="prev"' in last and 'rel="next"' not in last
    assert rows(client.get(reverse("bilans:list"), {"page": "x"}).content.decode()) == 2


def test_the_bilan_list_searches_name_email_and_reference_within_the_organisation(
    cast: SimpleNamespace, client: Client
) -> None:
    extra = many(cast, 2, prefix="Zoe")
    client.force_login(cast.admin)
    found = client.get(reverse("bilans:list"), {"q": "zoe01"}).content.decode()
    assert rows(found) == 1 and "Zoe01" in found
    by_reference = client.get(reverse("bilans:list"), {"q": extra[0].reference}).content.decode()
    assert rows(by_reference) == 1
    outsider = client.get(reverse("bilans:list"), {"q": "Out"}).content.decode()
    assert "Omar" not in outsider and rows(outsider) == 0


def test_a_consultant_searches_only_the_bilans_she_sees(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    page = client.get(reverse("bilans:list"), {"q": "Autre"}).content.decode()
    assert "Olga" not in page  # the colleague's bilan
