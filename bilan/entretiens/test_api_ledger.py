"""API v1: list_attendance and get_hours_ledger (issue 14), for every role."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from bilan.accounts.models import ApiToken
from bilan.entretiens.test_ledger import DELIVERED, mixed  # noqa: F401 - the fixture


def get(cast: SimpleNamespace, who: str, path: str) -> object:
    token = ApiToken.issue(getattr(cast, who))
    return Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_ledger_says_what_the_bars_say(mixed: SimpleNamespace, cast: SimpleNamespace) -> None:  # noqa: F811
    body = get(cast, "consultant", f"/bilans/{mixed.bilan.pk}/hours-ledger").json()  # type: ignore[attr-defined]
    assert body["delivered_accompaniment"] == DELIVERED
    assert body["held_accompaniment"] == DELIVERED + 180
    assert [u["entretien_id"] for u in body["unproven"]] == [mixed.unsigned.pk, mixed.no_join.pk]
    assert body["unproven"][1]["missing"] == ["connection"]


def test_the_attendance_list_shows_signatures_and_late_ones(
    mixed: SimpleNamespace,  # noqa: F811
    cast: SimpleNamespace,
) -> None:
    rows = get(cast, "consultant", f"/bilans/{mixed.bilan.pk}/attendance").json()  # type: ignore[attr-defined]
    by_id = {r["entretien_id"]: r for r in rows}
    assert by_id[mixed.unsigned.pk]["beneficiary"] is None
    late = by_id[mixed.late.pk]["consultant"]
    assert late["regularisation"] and late["regularisation_reason"]
    assert "text" not in str(rows) and "title" not in rows[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("consultant", 200),
        ("admin", 200),
        ("beneficiary", 200),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
    ],
)
def test_who_reads_the_ledger_and_the_attendance(
    cast: SimpleNamespace, who: str, status: int
) -> None:
    for path in (f"/bilans/{cast.bilan.pk}/hours-ledger", f"/bilans/{cast.bilan.pk}/attendance"):
        assert get(cast, who, path).status_code == status  # type: ignore[attr-defined]
