"""API v1, quality: list_surveys, add_survey_question, invite_stakeholders,
submit_survey_answer, list_referential_versions, confirm_referential_version — for every role,
with bad input and the links that refuse."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.quality import surveys
from bilan.quality.models import (
    QuestionSet,
    ReferentialVersion,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKind,
)

STAFF = {"admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"}
ADMINS = {"admin", "outsider_admin"}


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def stakeholder_invitation(cast: SimpleNamespace) -> SurveyInvitation:
    return SurveyInvitation.objects.create(
        organisation=cast.org,
        kind=SurveyKind.STAKEHOLDER,
        email="rh@employeur.test",
        year=2026,
        send_on=timezone.localdate(),
        question_set=surveys.current_question_set(cast.org, SurveyKind.STAKEHOLDER),
    )


def answer(token: str, answers: dict[str, object]) -> Any:
    return Client().post(
        "/api/v1/quality/surveys/answers",
        data=json.dumps({"token": token, "answers": answers}),
        content_type="application/json",
    )


OK = {"overall": 4, "information": 5, "responsiveness": 3, "comment": "RAS"}


@pytest.mark.parametrize("who", [*ROLES, None])
def test_list_surveys_for_every_role(api: Api, cast: SimpleNamespace, who: str | None) -> None:
    response = api.get("/quality/surveys", who)
    expected = 401 if who is None else 200 if who in STAFF else 403
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert [s["kind"] for s in body] == ["hot", "cold", "stakeholder"]
        assert all(s["n"] == 0 and s["enough"] is False for s in body)


def test_list_surveys_counts_only_the_callers_organisation(api: Api, cast: SimpleNamespace) -> None:
    surveys.submit_answer(token=surveys.token_for(stakeholder_invitation(cast)), answers=OK)
    mine = {s["kind"]: s["n"] for s in api.get("/quality/surveys", "consultant").json()}
    theirs = {s["kind"]: s["n"] for s in api.get("/quality/surveys", "outsider_admin").json()}
    assert mine["stakeholder"] == 1 and theirs["stakeholder"] == 0


@pytest.mark.parametrize("who", [*ROLES, None])
def test_add_survey_question_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None
) -> None:
    body = {"kind": "hot", "label": "Les horaires vous ont-ils convenu ?", "type": "scale"}
    response = api.post("/quality/surveys/questions", who, body)
    expected = 401 if who is None else 201 if who in ADMINS else 403
    assert response.status_code == expected
    assert QuestionSet.objects.exclude(organisation=None).count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.json()["questions"][-1]["label"] == body["label"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "hot", "label": "   ", "type": "scale"},
        {"kind": "nope", "label": "Q ?", "type": "scale"},
        {"kind": "hot", "label": "Q ?", "type": "nope"},
        {"kind": "hot", "label": "x" * 301, "type": "scale"},
    ],
)
def test_add_survey_question_refuses_bad_input(api: Api, body: dict[str, str]) -> None:
    response = api.post("/quality/surveys/questions", "admin", body)
    assert response.status_code == 422 and response.json()["detail"]
    assert not QuestionSet.objects.exclude(organisation=None).exists()


@pytest.mark.parametrize("who", [*ROLES, None])
def test_invite_stakeholders_for_every_role(api: Api, who: str | None) -> None:
    response = api.post("/quality/surveys/stakeholders", who, {"emails": ["rh@exemple.test"]})
    expected = 401 if who is None else 201 if who in ADMINS else 403
    assert response.status_code == expected
    assert SurveyInvitation.objects.count() == (1 if expected == 201 else 0)


def test_invite_stakeholders_refuses_a_bad_address_and_saves_nothing(api: Api) -> None:
    response = api.post(
        "/quality/surveys/stakeholders", "admin", {"emails": ["ok@exemple.test", "pas bon"]}
    )
    assert response.status_code == 422 and "invalide" in response.json()["detail"]
    assert not SurveyInvitation.objects.exists()


def test_submit_survey_answer_needs_only_the_links_token(cast: SimpleNamespace) -> None:
    token = surveys.token_for(stakeholder_invitation(cast))
    response = answer(token, OK)
    assert response.status_code == 201
    assert response.json()["kind"] == "stakeholder"
    again = answer(token, OK)
    assert again.status_code == 410 and "déjà répondu" in again.json()["detail"]
    assert SurveyAnswer.objects.count() == 1


def test_submit_survey_answer_refuses_missing_answers_and_keeps_the_link(
    cast: SimpleNamespace,
) -> None:
    token = surveys.token_for(stakeholder_invitation(cast))
    response = answer(token, {"overall": 4})
    assert response.status_code == 422 and "Répondez" in response.json()["detail"]
    assert not SurveyAnswer.objects.exists()
    assert answer(token, OK).status_code == 201


def test_submit_survey_answer_with_a_bad_or_expired_token(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert answer("pas-un-jeton", OK).status_code == 404
    token = surveys.token_for(stakeholder_invitation(cast))
    monkeypatch.setattr(surveys, "LINK_MAX_AGE", dt.timedelta(seconds=-1))
    expired = answer(token, OK)
    assert expired.status_code == 410 and "expiré" in expired.json()["detail"]
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize("who", [*ROLES, None])
def test_list_referential_versions_for_every_role(api: Api, who: str | None) -> None:
    response = api.get("/quality/referential", who)
    expected = 401 if who is None else 200 if who in STAFF else 403
    assert response.status_code == expected
    if expected == 200:
        codes = {v["code"]: v["to_verify"] for v in response.json()}
        assert codes == {"RNQ-V9": False, "RNQ-2026": True}


@pytest.mark.parametrize("who", [*ROLES, None])
def test_confirm_referential_version_for_every_role(api: Api, who: str | None) -> None:
    version = ReferentialVersion.objects.get(code="RNQ-2026")
    response = api.post(f"/quality/referential/{version.pk}/confirm", who, {})
    expected = 401 if who is None else 200 if who in ADMINS else 403
    assert response.status_code == expected
    version.refresh_from_db()
    assert version.to_verify is (expected != 200)


def test_confirming_twice_is_a_conflict_and_an_unknown_version_a_404(api: Api) -> None:
    version = ReferentialVersion.objects.get(code="RNQ-V9")
    assert api.post(f"/quality/referential/{version.pk}/confirm", "admin", {}).status_code == 409
    assert api.post("/quality/referential/999999/confirm", "admin", {}).status_code == 404
