"""API v1, the document de synthèse: get_synthese, save_synthese, render_synthese,
submit_observations and validate_synthese for every role; bad input; what each one sees."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.documents import synthese as service
from bilan.documents.models import SECTIONS, RenderJob, SyntheseStatus

FULL = {key: f"<p>Section {key}</p>" for key in SECTIONS}


@pytest.fixture(autouse=True)
def _private_roots(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace):
    return advance_to(cast.bilan, Status.CONCLUSIONS)


def submitted(cast):
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    service.save_synthese(synthese=synthese, by=cast.consultant, sections=FULL)
    return service.submit_for_observations(synthese=synthese, by=cast.consultant)


def url(bilan, suffix: str = "") -> str:
    return f"/bilans/{bilan.pk}/synthese{suffix}"


def put(api: Api, path: str, who: str | None, body: dict):
    import json

    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


EXPECTED_GET = {
    "beneficiary": 200,
    "consultant": 200,
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_get_synthese_is_for_the_beneficiary_and_the_consultant_only(cast, api, bilan, who):
    submitted(cast)
    response = api.get(url(bilan), who)
    assert response.status_code == EXPECTED_GET[who], response.content
    if response.status_code == 200:
        body = response.json()
        assert body["started"] and body["version_number"] == 2
        assert [s["key"] for s in body["sections"]] == list(SECTIONS)


def test_get_synthese_without_a_token_is_401(api, bilan):
    assert api.get(url(bilan), None).status_code == 401


def test_the_beneficiary_sees_nothing_before_a_submission(cast, api, bilan):
    service.start_synthese(bilan=bilan, by=cast.consultant, prefilled=False)
    body = api.get(url(bilan), "beneficiary").json()
    assert body["started"] and body["version_number"] is None and body["sections"] == []


def test_the_consultants_api_read_is_audited(cast, api, bilan):
    submitted(cast)
    api.get(url(bilan), "consultant")
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk, channel="api", object_type="documents.SyntheseVersion"
    ).exists()


@pytest.mark.parametrize("who", ROLES)
def test_only_the_consultant_saves(cast, api, bilan, who):
    response = put(api, url(bilan), who, {"sections": {"projet": "<p>Projet</p>"}})
    expected = {"consultant": 200, "admin": 403, "beneficiary": 403}.get(who, 404)
    assert response.status_code == expected, response.content
    if who == "consultant":
        assert response.json()["version_number"] == 2


def test_save_sanitises_and_refuses_bad_input(cast, api, bilan):
    response = put(
        api, url(bilan), "consultant", {"sections": {"projet": "<script>x()</script><p>ok</p>"}}
    )
    html = next(s["html"] for s in response.json()["sections"] if s["key"] == "projet")
    assert html == "<p>ok</p>"
    assert put(api, url(bilan), "consultant", {"sections": {"inconnue": "x"}}).status_code == 422
    long = put(api, url(bilan), "consultant", {"sections": {"projet": "a" * 70_000}})
    assert long.status_code == 422 and "trop long" in long.json()["detail"]
    assert put(api, url(bilan), "consultant", {"sections": "pas un objet"}).status_code == 422
    stale = put(api, url(bilan), "consultant", {"sections": {"projet": "b"}, "base_number": 1})
    assert stale.status_code == 409 and "ailleurs" in stale.json()["detail"]


@pytest.mark.parametrize("who", ROLES)
def test_render_synthese_returns_a_job_for_the_two_readers(cast, api, bilan, who):
    submitted(cast)
    response = api.post(url(bilan, "/renders"), who, {"format": "pdf"})
    expected = {"consultant": 202, "beneficiary": 202, "admin": 403}.get(who, 404)
    assert response.status_code == expected, response.content
    if expected == 202:
        body = response.json()
        assert body["status"] == "queued" and body["version_number"] == 2
        job = api.get(url(bilan, f"/renders/{body['id']}"), who)
        assert job.status_code == 200 and job.json()["id"] == body["id"]


def test_render_refuses_an_unknown_format_or_version(cast, api, bilan):
    submitted(cast)
    assert api.post(url(bilan, "/renders"), "consultant", {"format": "odt"}).status_code == 422
    assert (
        api.post(url(bilan, "/renders"), "beneficiary", {"format": "pdf", "version": 1}).status_code
        == 409
    )
    assert not RenderJob.objects.filter(version_number=1).exists()


def test_a_render_job_of_another_bilan_is_404(cast, api, bilan):
    submitted(cast)
    job = api.post(url(bilan, "/renders"), "consultant", {"format": "docx"}).json()
    assert (
        api.get(
            f"/bilans/{cast.other_bilan.pk}/synthese/renders/{job['id']}", "beneficiary"
        ).status_code
        == 404
    )
    assert api.get(url(bilan, f"/renders/{job['id']}"), "other_beneficiary").status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_submits_observations(cast, api, bilan, who):
    submitted(cast)
    response = api.post(url(bilan, "/observations"), who, {"text": "Précisez le plan B."})
    expected = {"beneficiary": 201, "consultant": 403, "admin": 403}.get(who, 404)
    assert response.status_code == expected, response.content


def test_observations_before_a_submission_are_refused(cast, api, bilan):
    service.start_synthese(bilan=bilan, by=cast.consultant, prefilled=False)
    response = api.post(url(bilan, "/observations"), "beneficiary", {"text": "x"})
    assert response.status_code == 409


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_validates(cast, api, bilan, who):
    synthese = submitted(cast)
    response = api.post(url(bilan, "/validation"), who, {"confirm": True})
    expected = {"beneficiary": 200, "consultant": 403, "admin": 403}.get(who, 404)
    assert response.status_code == expected, response.content
    synthese.refresh_from_db()
    assert synthese.status == (
        SyntheseStatus.VALIDATED if who == "beneficiary" else SyntheseStatus.SUBMITTED
    )


def test_validation_needs_the_confirmation_and_a_refusal_its_observations(cast, api, bilan):
    synthese = submitted(cast)
    assert api.post(url(bilan, "/validation"), "beneficiary", {}).status_code == 422
    assert api.post(url(bilan, "/validation"), "beneficiary", {"refuse": True}).status_code == 422
    response = api.post(
        url(bilan, "/validation"),
        "beneficiary",
        {"refuse": True, "observations": "Je ne me retrouve pas dans la section 4."},
    )
    assert response.status_code == 200 and response.json()["status"] == "refused"
    synthese.refresh_from_db()
    assert synthese.observations.get().with_refusal


def test_the_operation_ids_are_the_issues(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for p in schema["paths"].values() for op in p.values()}
    assert {
        "get_synthese",
        "save_synthese",
        "render_synthese",
        "submit_observations",
        "validate_synthese",
    } <= ids
