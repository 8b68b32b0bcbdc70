"""API v1, matching: bilan_matches (a fresh ranking for the consultant, the latest reviewed run
for the beneficiary) and compute_matches, for every role; the ROME version in every answer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.careers import matches
from bilan.careers.models import MatchRun
from bilan.careers.test_matches import give_riasec
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    give_riasec(cast.bilan, S=38, C=30)
    return cast.bilan


def expected(role: str, ok: int) -> int:
    if role in ("consultant", "beneficiary"):
        return ok
    return 403 if role == "admin" else 404


@pytest.mark.parametrize("role", ROLES)
def test_bilan_matches_for_every_role(api, bilan, role):
    response = api.get(f"/bilans/{bilan.pk}/matches", role)
    assert response.status_code == expected(role, 200), response.content


def test_the_consultant_gets_a_fresh_ranking_with_reasons_and_the_rome_version(api, bilan):
    data = api.get(f"/bilans/{bilan.pk}/matches?limit=3", "consultant").json()
    assert data["rome_version"] == "60" and data["run_id"] is None
    assert data["label"] == "Aide à la réflexion — suggestions à discuter, pas une décision"
    assert [s["code_rome"] for s in data["suggestions"]] == ["K1201", "K1207", "K2111"]
    first = data["suggestions"][0]
    assert first["score"] == 100 and first["components"]["interests"] == 100
    assert first["reasons"][0].startswith("Votre code Holland SC correspond")
    assert "centres" in data["missing"]
    assert not MatchRun.objects.exists()  # a GET stores nothing
    assert AuditEvent.objects.filter(channel="api", object_type="assessments.Result").exists()


def test_the_beneficiary_gets_nothing_before_review_then_the_reviewed_run(api, bilan, cast):
    before = api.get(f"/bilans/{bilan.pk}/matches", "beneficiary").json()
    assert before["suggestions"] == [] and before["reviewed_at"] is None
    run = matches.compute_run(bilan=bilan, by=cast.consultant)
    assert api.get(f"/bilans/{bilan.pk}/matches", "beneficiary").json()["suggestions"] == []
    matches.review_run(run=run, by=cast.consultant)
    data = api.get(f"/bilans/{bilan.pk}/matches?limit=2", "beneficiary").json()
    assert data["run_id"] == run.pk and data["rome_version"] == "60"
    assert data["reviewed_at"] is not None
    assert [s["code_rome"] for s in data["suggestions"]] == ["K1201", "K1207"]


@pytest.mark.parametrize("role", ROLES)
def test_compute_matches_for_every_role(api, bilan, role):
    response = api.post(f"/bilans/{bilan.pk}/matches", role, {})
    ok = 201 if role == "consultant" else 403  # the beneficiary does not compute
    assert response.status_code == expected(role, ok), response.content
    assert MatchRun.objects.exists() == (role == "consultant")


def test_compute_matches_stores_a_run_to_review(api, bilan):
    data = api.post(f"/bilans/{bilan.pk}/matches?limit=5", "consultant", {}).json()
    run = MatchRun.objects.get()
    assert data["run_id"] == run.pk and data["reviewed_at"] is None
    assert len(data["suggestions"]) == 5 and run.rome_version == data["rome_version"] == "60"


def test_bad_limits_and_unknown_bilans(api, bilan):
    assert api.get(f"/bilans/{bilan.pk}/matches?limit=0", "consultant").status_code == 422
    assert api.get(f"/bilans/{bilan.pk}/matches?limit=abc", "consultant").status_code == 422
    assert api.get("/bilans/999999/matches", "consultant").status_code == 404


def test_operation_ids(api, bilan):
    spec = api.client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    assert {"bilan_matches", "compute_matches"} <= ids
