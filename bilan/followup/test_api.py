"""API v1, plan d'action, closing and suivi: get_action_plan, create_action, update_action,
get_closing_checklist, close_bilan, schedule_suivi, submit_self_diagnosis — for every role,
with bad input and the states that refuse."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.compliance.models import AuditEvent
from bilan.demo.testing import add_action, close, in_conclusions, stub_synthese
from bilan.followup.models import Action, SelfDiagnosis, Suivi


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def patch(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.patch(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        **api.headers(who),
    )


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        **api.headers(who),
    )


@pytest.fixture
def conclusions(cast):
    return in_conclusions(cast.bilan)


@pytest.fixture
def closed(cast, monkeypatch):
    return close(cast.bilan, monkeypatch)


def slot_body(days: int = 160) -> dict[str, Any]:
    start = (timezone.now() + dt.timedelta(days=days)).replace(microsecond=0)
    return {"starts_at": start.isoformat(), "planned_minutes": 60, "modality": "phone"}


NOT_SEEN = [
    "colleague",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


# ---- get_action_plan ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("beneficiary", 200),
        ("consultant", 200),
        ("admin", 403),
        (None, 401),
        *[(w, 404) for w in NOT_SEEN],
    ],
)
def test_get_action_plan_for_every_role(api, conclusions, who, status):
    add_action(conclusions)
    response = api.get(f"/bilans/{conclusions.pk}/action-plan", who)
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert [a["what"] for a in body["actions"]] == ["Suivre la formation de moniteur-éducateur"]
        assert body["progress"]["todo"] == 1 and body["piste"] is None


def test_the_consultants_api_read_is_audited(api, conclusions):
    add_action(conclusions)
    api.get(f"/bilans/{conclusions.pk}/action-plan", "consultant")
    assert set(AuditEvent.objects.values_list("channel", flat=True)) == {"api"}


# ---- create_action --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("beneficiary", 201),
        ("consultant", 201),
        ("admin", 403),
        (None, 401),
        *[(w, 404) for w in NOT_SEEN],
    ],
)
def test_create_action_for_every_role(api, conclusions, who, status):
    response = api.post(
        f"/bilans/{conclusions.pk}/action-plan/actions",
        who,
        {"what": "Faire un stage", "first_step": "Appeler le foyer", "due_on": "2027-02-01"},
    )
    assert response.status_code == status
    assert Action.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["status"] == "todo"


@pytest.mark.parametrize(
    "body",
    [{"what": "x" * 301}, {"what": "   "}, {"what": "ok", "due_on": "demain"}, {}],
)
def test_create_action_refuses_bad_input_with_422(api, conclusions, body):
    response = api.post(f"/bilans/{conclusions.pk}/action-plan/actions", "consultant", body)
    assert response.status_code == 422
    assert response.json()["detail"]
    assert not Action.objects.exists()


def test_create_action_before_the_conclusions_is_409(api, cast):
    response = api.post(f"/bilans/{cast.bilan.pk}/action-plan/actions", "consultant", {"what": "x"})
    assert response.status_code == 409
    assert "phase de conclusions" in response.json()["detail"]


# ---- update_action --------------------------------------------------------------------------


def test_after_closing_the_beneficiary_updates_a_status_through_the_api(api, closed):
    action = Action.objects.get()
    path = f"/bilans/{closed.pk}/action-plan/actions/{action.pk}"
    response = patch(api, path, "beneficiary", {"status": "doing", "note": "Dossier envoyé"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["note"]) == ("doing", "Dossier envoyé")
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("todo", "doing")]


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("consultant", {"status": "done"}, 409),
        ("beneficiary", {"what": "Autre chose"}, 409),
        ("admin", {"status": "done"}, 403),
        ("colleague", {"status": "done"}, 404),
        ("other_beneficiary", {"status": "done"}, 404),
        ("beneficiary", {"status": "peut-être"}, 422),
        (None, {"status": "done"}, 401),
    ],
)
def test_update_action_refusals_after_closing(api, closed, who, body, status):
    action = Action.objects.get()
    response = patch(api, f"/bilans/{closed.pk}/action-plan/actions/{action.pk}", who, body)
    assert response.status_code == status
    action.refresh_from_db()
    assert (action.status, action.what) == ("todo", "Suivre la formation de moniteur-éducateur")


def test_an_action_of_another_bilan_is_404(api, cast, closed):
    action = Action.objects.get()
    response = patch(
        api,
        f"/bilans/{cast.other_bilan.pk}/action-plan/actions/{action.pk}",
        "colleague",
        {"status": "done"},
    )
    assert response.status_code == 404


# ---- closing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("consultant", 200), ("admin", 200), ("beneficiary", 403), *[(w, 404) for w in NOT_SEEN]],
)
def test_get_closing_checklist_for_every_role(api, conclusions, who, status):
    response = api.get(f"/bilans/{conclusions.pk}/closing-checklist", who)
    assert response.status_code == status
    if status == 200:
        assert {i["key"]: i["ok"] for i in response.json()}["action_plan"] is False


def test_close_bilan_refuses_with_the_list_of_what_is_missing(api, conclusions, monkeypatch):
    stub_synthese(monkeypatch, {"validated": True, "handed_over": False, "label": ""})
    response = api.post(f"/bilans/{conclusions.pk}/close", "consultant", {})
    assert response.status_code == 409
    body = response.json()
    assert body["missing"] == [
        "la remise du document de synthèse",
        "un plan d'action avec au moins une action",
    ]
    assert body["detail"].startswith("Impossible de clore le bilan, il manque : ")
    conclusions.refresh_from_db()
    assert conclusions.status == "conclusions"


def test_close_bilan_closes_and_books_the_suivi(api, conclusions, monkeypatch):
    add_action(conclusions)
    stub_synthese(monkeypatch)
    response = api.post(
        f"/bilans/{conclusions.pk}/close",
        "consultant",
        {"completion": "full", "suivi": slot_body(190)},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed" and body["closed_on"] == timezone.localdate().isoformat()
    assert body["suivi_starts_at"] is not None
    assert Suivi.objects.get().entretien.planned_minutes == 60


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 403), ("beneficiary", 403), ("colleague", 404), (None, 401)]
)
def test_close_bilan_is_the_consultants_act(api, conclusions, monkeypatch, who, status):
    add_action(conclusions)
    stub_synthese(monkeypatch)
    response = api.post(f"/bilans/{conclusions.pk}/close", who, {})
    assert response.status_code == status
    conclusions.refresh_from_db()
    assert conclusions.status == "conclusions"


# ---- schedule_suivi -------------------------------------------------------------------------


def test_schedule_suivi_before_closing_is_refused(api, conclusions):
    response = api.post(f"/bilans/{conclusions.pk}/suivi", "consultant", slot_body())
    assert response.status_code == 409
    assert "après la clôture du bilan" in response.json()["detail"]
    assert not Suivi.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("consultant", 200), ("admin", 403), ("beneficiary", 403), *[(w, 404) for w in NOT_SEEN]],
)
def test_schedule_suivi_after_closing_for_every_role(api, closed, who, status):
    before = Suivi.objects.get().entretien.starts_at
    response = api.post(f"/bilans/{closed.pk}/suivi", who, slot_body(170))
    assert response.status_code == status
    moved = Suivi.objects.get().entretien.starts_at
    assert (moved != before) == (status == 200)
    if status == 200:
        assert response.json()["modality"] == "phone"


def test_schedule_suivi_refuses_a_past_date(api, closed):
    response = api.post(f"/bilans/{closed.pk}/suivi", "consultant", slot_body(-3))
    assert response.status_code == 422


# ---- submit_self_diagnosis ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("beneficiary", 200), ("consultant", 403), ("admin", 403), *[(w, 404) for w in NOT_SEEN]],
)
def test_submit_self_diagnosis_for_every_role(api, closed, who, status):
    response = put(
        api,
        f"/bilans/{closed.pk}/suivi/self-diagnosis",
        who,
        {"results": "Admise en formation", "questions": "L'alternance ?"},
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["submitted_at"] is not None
        assert SelfDiagnosis.objects.get().results == "Admise en formation"
    else:
        assert not SelfDiagnosis.objects.exists()


def test_submit_self_diagnosis_before_closing_is_409(api, conclusions):
    response = put(api, f"/bilans/{conclusions.pk}/suivi/self-diagnosis", "beneficiary", {})
    assert response.status_code == 409


def test_the_operation_ids_are_in_the_schema(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert {
        "get_action_plan",
        "create_action",
        "update_action",
        "get_closing_checklist",
        "close_bilan",
        "schedule_suivi",
        "submit_self_diagnosis",
    } <= ids
