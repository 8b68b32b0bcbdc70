"""API v1, the operations added so that every page act has one (issue 12): get_interests and
save_interests, record_preliminary_outputs, list_entretiens, prefill_synthese and
download_synthese_render, each for every member of the cast, with its French refusals; a
refused call saves nothing."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import BilanFraming, Phase, Status
from bilan.careers.interests import save_interest_sort
from bilan.careers.models import InterestSort
from bilan.compliance.models import AuditEvent
from bilan.documents import synthese as service
from bilan.documents.models import SECTIONS, RenderJob, SyntheseVersion
from bilan.documents.tasks import render_synthese
from bilan.entretiens.models import Entretien
from bilan.entretiens.test_conduct import make_entretien
from bilan.lib.scenario import advance_to


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:  # noqa: ANN401
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


def content_readers(ok: int) -> dict[str, int]:
    """Content (REQ-54): the beneficiary and the assigned consultant; the administration 403;
    anyone who does not see the bilan 404."""
    return {
        "beneficiary": ok,
        "consultant": ok,
        "admin": 403,
        "colleague": 404,
        "other_beneficiary": 404,
        "outsider_admin": 404,
        "outsider_consultant": 404,
        "outsider_beneficiary": 404,
    }


# ---- centres d'intérêt ---------------------------------------------------------------------


@pytest.fixture
def preliminary(cast: SimpleNamespace, rome: Any) -> Any:  # noqa: ANN401
    return advance_to(cast.bilan, Status.PRELIMINARY)


SORT = {"chosen": [4, 8, 24], "ranked": [24, 4], "avoided_contexts": [300803]}


@pytest.mark.parametrize("who", ROLES)
def test_get_interests_for_every_role(api, preliminary, who):
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    response = api.get(f"/bilans/{preliminary.pk}/interests", who)
    assert response.status_code == content_readers(200)[who], response.content
    if response.status_code == 200:
        data = response.json()
        assert (data["chosen"], data["ranked"], data["avoided_contexts"]) == (
            [4, 8, 24],
            [24, 4],
            [300803],
        )
        assert data["saved"] and data["rome_version"] == "60"
        assert data["may_edit"] == (who == "beneficiary")
        assert len(data["centres"]) == 30
        assert 300803 in {c["code"] for c in data["contexts"]}
    if response.status_code == 403:
        assert "réservés au ou à la bénéficiaire" in response.json()["detail"]


def test_get_interests_before_any_choice_and_the_consultants_read_is_audited(api, preliminary):
    data = api.get(f"/bilans/{preliminary.pk}/interests", "consultant").json()
    assert not data["saved"] and data["chosen"] == [] and data["updated_at"] is None
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    api.get(f"/bilans/{preliminary.pk}/interests", "consultant")
    assert AuditEvent.objects.filter(
        channel="api", object_type="careers.InterestSort", actor_id=preliminary.consultant_id
    ).exists()


SAVE = {
    "beneficiary": 200,
    "consultant": 403,  # reads, never chooses for the beneficiary
    "admin": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_save_interests_is_the_beneficiarys_act(api, preliminary, who):
    response = put(api, f"/bilans/{preliminary.pk}/interests", who, SORT)
    assert response.status_code == SAVE[who], response.content
    assert InterestSort.objects.exists() == (who == "beneficiary")
    if who == "consultant":
        assert response.json()["detail"] == (
            "Seul·e le ou la bénéficiaire choisit ses centres d'intérêt."
        )
    if who == "beneficiary":
        assert response.json()["ranked"] == [24, 4]


def test_save_interests_without_a_token_is_401(api, preliminary):
    assert put(api, f"/bilans/{preliminary.pk}/interests", None, SORT).status_code == 401


@pytest.mark.parametrize(
    "body, message",
    [
        ({"ranked": [1, 2, 3, 4, 5, 6]}, "Classez 5 centres d'intérêt au plus"),
        ({"chosen": [31]}, "Centre d'intérêt inconnu : « 31 »"),
        ({"avoided_contexts": [1]}, "Contexte de travail inconnu : « 1 »"),
    ],
)
def test_a_refused_choice_is_422_in_french_and_keeps_the_saved_one(api, preliminary, body, message):
    save_interest_sort(bilan=preliminary, by=preliminary.beneficiary, **SORT)
    response = put(api, f"/bilans/{preliminary.pk}/interests", "beneficiary", body)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert InterestSort.objects.get().ranked == [24, 4]


def test_save_interests_outside_the_phases_is_409(api, cast, rome):
    response = put(api, f"/bilans/{cast.bilan.pk}/interests", "beneficiary", SORT)  # demande
    assert response.status_code == 409, response.content
    assert "modifier mes centres d'intérêt" in response.json()["detail"]
    assert not InterestSort.objects.exists()


# ---- the preliminary phase's outputs ---------------------------------------------------------

OUTPUTS = {
    "needs_analysis": "Reconversion vers le soin.",
    "format": "mixed",
    "rhythm": "Un entretien par quinzaine",
    "agreed_arrangements": "Six entretiens, un test, une enquête métier.",
}
RECORD = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_record_preliminary_outputs_is_the_assigned_consultants_act(api, cast, who):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    BilanFraming.objects.filter(bilan=bilan).update(needs_analysis="avant")
    response = api.post(f"/bilans/{bilan.pk}/preliminary-outputs", who, OUTPUTS)
    assert response.status_code == RECORD[who], response.content
    bilan.refresh_from_db()
    framing = bilan.framing_or_empty()
    if who == "consultant":
        content = response.json()["content"]
        assert content["needs_analysis"] == "Reconversion vers le soin."
        assert content["agreed_arrangements"] == OUTPUTS["agreed_arrangements"]
        assert content["arrangements_validations"]["beneficiary_validated_at"] is None
        assert (bilan.format, bilan.rhythm) == ("mixed", "Un entretien par quinzaine")
        assert bilan.format_confirmed_at is not None
    else:
        assert framing.needs_analysis != "Reconversion vers le soin."
        assert bilan.rhythm != "Un entretien par quinzaine"
    if response.status_code == 403:
        assert response.json()["detail"]  # a French sentence, in the error shape


def test_record_preliminary_outputs_outside_the_phase_is_409_and_saves_nothing(api, cast):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    before = bilan.framing_or_empty().needs_analysis
    response = api.post(f"/bilans/{bilan.pk}/preliminary-outputs", "consultant", OUTPUTS)
    assert response.status_code == 409, response.content
    assert "modifier les résultats de la phase préliminaire" in response.json()["detail"]
    bilan.refresh_from_db()
    assert bilan.framing_or_empty().needs_analysis == before


def test_record_preliminary_outputs_refuses_a_bad_format(api, cast):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    response = api.post(
        f"/bilans/{bilan.pk}/preliminary-outputs", "consultant", {**OUTPUTS, "format": "x"}
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Requête invalide, vérifiez : body.payload.format")


# ---- a bilan's entretiens --------------------------------------------------------------------

SEE_BILAN = {
    "consultant": 200,
    "admin": 200,  # the administrative record, as on the bilan's page
    "beneficiary": 200,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_list_entretiens_for_every_role(api, cast, who):
    entretien = make_entretien(cast)
    response = api.get(f"/bilans/{cast.bilan.pk}/entretiens", who)
    assert response.status_code == SEE_BILAN[who], response.content
    if response.status_code == 200:
        data = response.json()
        expected = Entretien.objects.filter(bilan=cast.bilan).order_by("starts_at", "pk")
        assert [e["id"] for e in data] == [e.pk for e in expected]
        assert entretien.pk in [e["id"] for e in data]
        assert data[0]["bilan_id"] == cast.bilan.pk and "notes" not in data[0]


def test_list_entretiens_is_in_date_order_and_empty_without_any(api, cast):
    assert api.get(f"/bilans/{cast.bilan.pk}/entretiens", "consultant").json() == []
    advance_to(cast.bilan, Status.PRELIMINARY)
    later, sooner = (
        Entretien.schedule(
            bilan=cast.bilan,
            by=cast.consultant,
            phase=Phase.PRELIMINARY,
            starts_at=timezone.now() + dt.timedelta(days=days),
            planned_minutes=60,
        )
        for days in (9, 3)
    )
    ids = [e["id"] for e in api.get(f"/bilans/{cast.bilan.pk}/entretiens", "consultant").json()]
    assert ids.index(sooner.pk) == ids.index(later.pk) - 1  # by date, not by creation
    assert set(ids) == set(Entretien.objects.filter(bilan=cast.bilan).values_list("pk", flat=True))
    assert api.get("/bilans/999999/entretiens", "consultant").status_code == 404


# ---- the synthèse: prefill, and the rendered file ---------------------------------------------


@pytest.fixture(autouse=True)
def _private_roots(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def conclusions(cast: SimpleNamespace) -> Any:  # noqa: ANN401
    return advance_to(cast.bilan, Status.CONCLUSIONS)


PREFILL = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_prefill_synthese_starts_it_prefilled_for_the_consultant_only(api, conclusions, who):
    response = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", who, {})
    assert response.status_code == PREFILL[who], response.content
    started = service.synthese_of(conclusions)
    assert (started is not None) == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert data["started"] and data["version_number"] == 1
        assert started.latest().note == "préremplissage depuis le bilan"
    if who == "beneficiary":
        assert response.json()["detail"] == (
            "Seul·e le ou la consultant·e du bilan rédige le document de synthèse."
        )


def test_prefill_synthese_again_makes_a_new_version_of_the_sections_named(api, cast, conclusions):
    synthese = service.start_synthese(bilan=conclusions, by=cast.consultant, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={k: "<p>Mien</p>" for k in SECTIONS}
    )
    key = next(iter(SECTIONS))
    response = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", "consultant", {"keys": [key]})
    assert response.status_code == 200, response.content
    latest = synthese.latest()
    assert latest.number == 3 and latest.note == "préremplissage"
    others = [k for k in SECTIONS if k != key]
    assert all(latest.section(k) == "<p>Mien</p>" for k in others)
    bad = api.post(f"/bilans/{conclusions.pk}/synthese/prefill", "consultant", {"keys": ["x"]})
    assert bad.status_code == 422
    assert SyntheseVersion.objects.filter(synthese=synthese).count() == 3


def submitted(cast: SimpleNamespace) -> Any:  # noqa: ANN401
    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=cast.consultant, sections={k: f"<p>{k}</p>" for k in SECTIONS}
    )
    return service.submit_for_observations(synthese=synthese, by=cast.consultant)


def done_job(cast: SimpleNamespace, synthese: Any, who: str = "consultant") -> RenderJob:  # noqa: ANN401
    job = service.request_render(synthese=synthese, by=getattr(cast, who), fmt="pdf")
    render_synthese(job.pk)
    job.refresh_from_db()
    return job


def file_path(job: RenderJob) -> str:
    return f"/bilans/{job.synthese.bilan_id}/synthese/renders/{job.pk}/file"


@pytest.mark.parametrize("who", ROLES)
def test_the_rendered_file_is_downloaded_with_a_token_as_on_the_web(api, cast, conclusions, who):
    job = done_job(cast, submitted(cast), who="beneficiary")
    response = api.get(file_path(job), who)
    assert response.status_code == content_readers(200)[who], response.content
    if response.status_code == 200:
        assert b"".join(response.streaming_content)[:5] == b"%PDF-"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"synthese-{cast.bilan.reference}-v2.pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    else:
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


def test_the_job_gives_its_api_file_url_and_the_consultants_download_is_audited(
    api, cast, conclusions
):
    job = done_job(cast, submitted(cast))
    polled = api.get(f"/bilans/{conclusions.pk}/synthese/renders/{job.pk}", "consultant").json()
    assert polled["file_url"] == f"/api/v1{file_path(job)}"
    assert api.get(file_path(job), "consultant").status_code == 200
    assert AuditEvent.objects.filter(
        actor_id=cast.consultant.pk,
        action="export",
        object_type="documents.RenderJob",
        channel="api",
    ).exists()


def test_a_file_not_ready_is_409_and_a_draft_is_not_the_beneficiarys(api, cast, conclusions):
    synthese = submitted(cast)
    queued = service.request_render(synthese=synthese, by=cast.consultant, fmt="docx")
    response = api.get(file_path(queued), "consultant")
    assert response.status_code == 409 and "pas encore prêt" in response.json()["detail"]
    service.save_synthese(synthese=synthese, by=cast.consultant, sections={"projet": "Nouveau"})
    draft = done_job(cast, synthese)  # version 3, never submitted
    assert api.get(file_path(draft), "beneficiary").status_code == 404
    other = f"/bilans/999999/synthese/renders/{draft.pk}/file"
    assert api.get(other, "consultant").status_code == 404
