"""API of the instruments and tests: list_instruments, get_instrument, start_administration,
save_answers, submit_administration, get_result."""

from __future__ import annotations

import json

import pytest

from bilan.api.test_api import Api
from bilan.assessments.instruments import get_instrument
from bilan.bilans.models import Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to


@pytest.fixture
def api(cast) -> Api:
    advance_to(cast.bilan, Status.INVESTIGATION)
    return Api(cast)


def patch(api: Api, path: str, who: str, body: dict):
    return api.client.patch(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


def start(api: Api, cast, code: str = "riasec_48"):
    return api.post(f"/bilans/{cast.bilan.pk}/administrations", "beneficiary", {"instrument": code})


def test_the_instruments_are_listed_with_their_presentation_but_never_their_keys(api):
    listed = api.get("/instruments", "consultant").json()
    assert [i["code"] for i in listed][:3] == ["riasec_48", "ipip_neo_120", "mini_ipip_20"]
    assert all(i["about"]["interpreted_by"] for i in listed)
    detail = api.get("/instruments/ipip_neo_120", "beneficiary").json()
    assert len(detail["items"]) == 120 and detail["items"][0]["text"]
    assert "keyed" not in json.dumps(detail["items"])
    assert api.get("/instruments/mbti", "beneficiary").status_code == 404
    assert api.get("/instruments", None).status_code == 401


def test_a_whole_test_through_the_api(api, cast):
    response = start(api, cast)
    assert response.status_code == 201
    administration = response.json()
    assert start(api, cast).json()["id"] == administration["id"]  # resumes, no duplicate
    answers = dict.fromkeys(get_instrument("riasec_48").item_ids, 2)
    answers.update({f"S{n}": 5 for n in range(1, 9)})
    path = f"/administrations/{administration['id']}"
    del answers["C8"]
    saved = patch(api, f"{path}/answers", "beneficiary", {"answers": answers})
    assert saved.status_code == 200 and saved.json()["answered"] == 47
    missing = api.post(f"{path}/submit", "beneficiary", {})
    assert missing.status_code == 422 and "question(s) 48" in missing.json()["detail"]
    patch(api, f"{path}/answers", "beneficiary", {"answers": {"C8": 2}})
    result = api.post(f"{path}/submit", "beneficiary", {})
    assert result.status_code == 200
    assert result.json()["scores"]["raw"]["S"] == 40
    assert result.json()["scores"]["code"] == "S-R/I/A/E/C"
    again = api.post(f"{path}/submit", "beneficiary", {})
    assert again.status_code == 409 and "déjà été envoyé" in again.json()["detail"]


def test_bad_answers_are_422_in_french_and_nothing_is_lost(api, cast):
    path = f"/administrations/{start(api, cast).json()['id']}/answers"
    patch(api, path, "beneficiary", {"answers": {"R1": 4}})
    for body in ({"answers": {"R1": 6}}, {"answers": {"X1": 3}}, {"answers": {"R1": "beaucoup"}}):
        response = patch(api, path, "beneficiary", body)
        assert response.status_code == 422, body
    assert patch(api, path, "beneficiary", {"answers": {}}).json()["answers"] == {"R1": 4}


@pytest.mark.parametrize(
    "who,status",
    [
        ("consultant", 403),
        ("admin", 403),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        (None, 401),
    ],
)
def test_only_the_beneficiary_starts_and_answers(api, cast, who, status):
    response = api.post(
        f"/bilans/{cast.bilan.pk}/administrations", who, {"instrument": "riasec_48"}
    )
    assert response.status_code == status
    administration = start(api, cast).json()["id"]
    response = patch(api, f"/administrations/{administration}/answers", who, {"answers": {"R1": 1}})
    assert response.status_code == status


@pytest.mark.parametrize(
    "who,status",
    [
        ("beneficiary", 200),
        ("consultant", 200),
        ("admin", 403),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_consultant", 404),
    ],
)
def test_results_are_for_the_beneficiary_and_the_assigned_consultant_audited(
    api, cast, who, status
):
    administration = start(api, cast).json()["id"]
    answers = dict.fromkeys(get_instrument("riasec_48").item_ids, 3)
    patch(api, f"/administrations/{administration}/answers", "beneficiary", {"answers": answers})
    api.post(f"/administrations/{administration}/submit", "beneficiary", {})
    response = api.get(f"/administrations/{administration}/result", who)
    assert response.status_code == status
    reads = AuditEvent.objects.filter(action="read", object_type="assessments.Result")
    assert reads.count() == (1 if who == "consultant" else 0)
    if who == "consultant":
        assert reads.get().channel == "api"


def test_the_openapi_schema_names_the_operations(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for p in schema["paths"].values() for op in p.values()}
    assert operations >= {
        "list_instruments",
        "get_instrument",
        "start_administration",
        "save_answers",
        "submit_administration",
        "get_result",
    }
