"""API v1, the result pages' acts (issue 12): comment_result and withdraw_health_consent (the
beneficiary's, « Mes tests »), debrief_result and set_extra_competences (the assigned
consultant's, the staff result page), through assessments.administrations' owners, for every
role; a refused call changes nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.assessments.administrations import start_test
from bilan.assessments.models import Administration, Result
from bilan.assessments.test_sort_views import HEALTH, values_taken
from bilan.bilans.models import Status
from bilan.careers.test_matches import give_riasec
from bilan.demo.scenario import advance_to


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def result(cast: SimpleNamespace) -> Result:
    return values_taken(advance_to(cast.bilan, Status.INVESTIGATION))


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


def only(who: str, ok: int) -> dict[str, int]:
    """A test is content: one party acts; the other party and the administration are refused
    (403); anyone who does not see the bilan gets 404 (another organisation's people too)."""
    return {
        "beneficiary": 403,
        "consultant": 403,
        "admin": 403,
        "colleague": 404,
        "other_beneficiary": 404,
        "outsider_admin": 404,
        "outsider_consultant": 404,
        "outsider_beneficiary": 404,
    } | {who: ok}


@pytest.mark.parametrize("who", ROLES)
def test_comment_result_is_the_beneficiarys_act(api, result, who):
    path = f"/administrations/{result.administration_id}/result/comment"
    response = put(api, path, who, {"text": "  Je m'y reconnais.  "})
    assert response.status_code == only("beneficiary", 200)[who], response.content
    result.refresh_from_db()
    assert (result.beneficiary_comment == "Je m'y reconnais.") == (who == "beneficiary")
    if who == "beneficiary":
        assert response.json()["beneficiary_comment"] == "Je m'y reconnais."
    else:
        assert response.json()["detail"]


@pytest.mark.parametrize("who", ROLES)
def test_debrief_result_is_the_assigned_consultants_act(api, result, who):
    path = f"/administrations/{result.administration_id}/result/debrief"
    response = put(api, path, who, {"text": "Restitution faite le 3."})
    assert response.status_code == only("consultant", 200)[who], response.content
    result.refresh_from_db()
    assert (result.debrief_note == "Restitution faite le 3.") == (who == "consultant")
    if who == "consultant":
        assert response.json()["debrief_note"] == "Restitution faite le 3."
        assert result.debriefed_by_id == result.administration.bilan.consultant_id


def test_a_note_too_long_is_422_and_the_saved_one_is_kept(api, result):
    path = f"/administrations/{result.administration_id}/result/debrief"
    put(api, path, "consultant", {"text": "Première note."})
    assert put(api, path, "consultant", {"text": "x" * 20_001}).status_code == 422
    result.refresh_from_db()
    assert result.debrief_note == "Première note."


def test_a_test_in_progress_has_no_result_to_comment_404(api, cast):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    started = start_test(bilan=bilan, by=cast.beneficiary, code="riasec_48")
    path = f"/administrations/{started.pk}/result/comment"
    assert put(api, path, "beneficiary", {"text": "Déjà ?"}).status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_withdraw_health_consent_is_the_beneficiarys_act(api, result, who):
    path = f"/administrations/{result.administration_id}/health-consent/withdraw"
    response = api.post(path, who, {})
    assert response.status_code == only("beneficiary", 200)[who], response.content
    answers = Administration.objects.get(pk=result.administration_id).answers
    assert ("health_consent" in answers) == (who != "beneficiary")
    assert (HEALTH in str(answers)) == (who != "beneficiary")
    if who == "beneficiary":
        assert response.json() == {
            "administration_id": result.administration_id,
            "health_consent": False,
        }


def test_withdrawing_from_a_scored_test_is_422_in_french(api, cast):
    taken = give_riasec(advance_to(cast.bilan, Status.INVESTIGATION), S=38)
    response = api.post(
        f"/administrations/{taken.administration_id}/health-consent/withdraw", "beneficiary", {}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Ce test ne se remplit pas ainsi."


@pytest.mark.parametrize("who", ROLES)
def test_set_extra_competences_is_the_assigned_consultants_act(api, cast, who):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    rating = start_test(bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True)
    path = f"/administrations/{rating.pk}/extra-competences"
    response = put(api, path, who, {"text": "Souder\nsouder\n\nPiloter un chariot"})
    assert response.status_code == only("consultant", 200)[who], response.content
    rating.refresh_from_db()
    added = rating.answers.get("extra_competences", [])
    assert added == (["Souder", "Piloter un chariot"] if who == "consultant" else [])
    if who == "consultant":
        assert response.json()["extra_competences"] == ["Souder", "Piloter un chariot"]


def test_extra_competences_once_submitted_are_409(api, result, cast):
    bilan = result.administration.bilan
    rating = start_test(bilan=bilan, by=cast.beneficiary, code="self_assessment", sorts=True)
    Administration.objects.filter(pk=rating.pk).update(status="submitted")
    path = f"/administrations/{rating.pk}/extra-competences"
    response = put(api, path, "consultant", {"text": "Souder"})
    assert response.status_code == 409
    assert "ne se modifient plus" in response.json()["detail"]
    other = f"/administrations/{result.administration_id}/extra-competences"  # a values sort
    assert put(api, other, "consultant", {"text": "Souder"}).status_code == 422
