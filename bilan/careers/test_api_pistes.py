"""API v1, pistes and enquêtes: list_pistes, create_piste, update_piste, list_enquetes,
create_enquete, update_enquete for every role; bad input, unknown codes, closed bilans."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.careers import enquetes
from bilan.careers.models import CareerOption, EnqueteMetier
from bilan.careers.test_pistes import free, referential
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to

YESTERDAY = (timezone.localdate() - dt.timedelta(days=1)).isoformat()


@pytest.fixture
def api(cast) -> Api:
    advance_to(cast.bilan, Status.INVESTIGATION)
    return Api(cast)


@pytest.fixture
def bilan(cast, api):
    return cast.bilan


def patch(api: Api, path: str, who: str, body: dict[str, Any]):
    return api.client.patch(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


WRITE_EXPECTED = {
    "admin": 403,
    "consultant": 201,
    "colleague": 404,
    "beneficiary": 201,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


def ok(code: int) -> int:
    return 200 if code == 201 else code


@pytest.mark.parametrize("who", ROLES)
def test_create_piste_is_for_the_beneficiary_and_the_consultant(api, bilan, who):
    response = api.post(
        f"/bilans/{bilan.pk}/pistes", who, {"kind": "training", "title": "BP boulanger"}
    )
    assert response.status_code == WRITE_EXPECTED[who], response.json()
    assert CareerOption.objects.count() == (1 if WRITE_EXPECTED[who] == 201 else 0)


@pytest.mark.parametrize("who", ROLES)
def test_list_pistes_for_every_role(api, bilan, who):
    free(bilan)
    response = api.get(f"/bilans/{bilan.pk}/pistes", who)
    assert response.status_code == ok(WRITE_EXPECTED[who])
    if response.status_code == 200:
        [piste] = response.json()
        assert piste["title"] == "Ouvrir un café-librairie"
        assert piste["history"][0]["reason"] == "Piste ajoutée librement."


@pytest.mark.parametrize("who", ROLES)
def test_update_piste_for_every_role(api, bilan, who):
    option = free(bilan)
    response = patch(
        api,
        f"/bilans/{bilan.pk}/pistes/{option.pk}",
        who,
        {"cost": "15 000 €", "status": {"to": "exploring", "reason": "Rencontre à la CCI."}},
    )
    assert response.status_code == ok(WRITE_EXPECTED[who])
    option.refresh_from_db()
    changed = response.status_code == 200
    assert (option.cost == "15 000 €", option.status == "exploring") == (changed, changed)


def test_a_piste_from_a_rome_code_is_prefilled_and_an_unknown_code_is_a_404(api, bilan):
    referential()
    response = api.post(
        f"/bilans/{bilan.pk}/pistes", "consultant", {"code_rome": "d1102", "attraction": "Le pain"}
    )
    data = response.json()
    assert response.status_code == 201, data
    assert (data["kind"], data["origin"], data["code_rome"], data["rome_version"]) == (
        "rome",
        "fiche",
        "D1102",
        "60",
    )
    assert data["attraction"] == "Le pain"
    again = api.post(f"/bilans/{bilan.pk}/pistes", "beneficiary", {"code_rome": "D1102"})
    assert again.status_code == 409
    assert "Une piste existe déjà" in again.json()["detail"]
    assert (
        api.post(f"/bilans/{bilan.pk}/pistes", "consultant", {"code_rome": "Z9999"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body,message",
    [
        ({"kind": "business", "title": " "}, "Donnez un intitulé"),
        ({"title": "Sans type"}, "Choisissez le type de piste"),
        ({"kind": "business", "title": "x", "cost": "x" * 201}, "cost"),
        ({"kind": "nope", "title": "x"}, "kind"),
    ],
)
def test_bad_input_gets_422_in_french(api, bilan, body, message):
    response = api.post(f"/bilans/{bilan.pk}/pistes", "beneficiary", body)
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_a_status_change_needs_a_reason_and_nothing_is_half_saved(api, bilan):
    option = free(bilan)
    response = patch(
        api,
        f"/bilans/{bilan.pk}/pistes/{option.pk}",
        "beneficiary",
        {"cost": "1 €", "status": {"to": "discarded", "reason": "  "}},
    )
    assert response.status_code == 422
    assert "Indiquez la raison" in response.json()["detail"]
    option.refresh_from_db()
    assert (option.cost, option.status) == ("", "to_explore")


def test_out_of_the_phases_is_a_409(api, bilan):
    option = free(bilan)
    advance_to(bilan, Status.CLOSED)
    response = patch(api, f"/bilans/{bilan.pk}/pistes/{option.pk}", "consultant", {"cost": "1 €"})
    assert response.status_code == 409
    assert "Impossible de modifier une piste" in response.json()["detail"]
    created = api.post(f"/bilans/{bilan.pk}/pistes", "beneficiary", {"kind": "free", "title": "x"})
    assert created.status_code == 409


def test_a_piste_of_another_bilan_is_a_404(api, cast, bilan):
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    foreign = free(cast.other_bilan)
    response = patch(api, f"/bilans/{bilan.pk}/pistes/{foreign.pk}", "consultant", {"cost": "1"})
    assert response.status_code == 404


def test_the_consultants_api_reads_are_audited(api, bilan):
    free(bilan)
    api.get(f"/bilans/{bilan.pk}/pistes", "consultant")
    assert AuditEvent.objects.filter(channel="api", object_type="careers.CareerOption").exists()


# ---- enquêtes -------------------------------------------------------------------------------


def plan_body(**extra: Any) -> dict[str, Any]:
    return {
        "contact_name": "Une boulangère à Nantes",
        "contact_role": "Artisane",
        "planned_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        **extra,
    }


@pytest.mark.parametrize("who", ROLES)
def test_create_enquete_for_every_role(api, bilan, who):
    option = free(bilan)
    response = api.post(f"/bilans/{bilan.pk}/pistes/{option.pk}/enquetes", who, plan_body())
    assert response.status_code == WRITE_EXPECTED[who]
    if response.status_code == 201:
        data = response.json()
        assert len(data["questions"]) == len(enquetes.default_grid()["questions"])
        assert data["status"] == "planned"


@pytest.mark.parametrize("who", ROLES)
def test_list_and_update_enquetes_for_every_role(api, bilan, who):
    option = free(bilan)
    enquete = enquetes.plan_enquete(option=option, by=bilan.beneficiary, contact_name="Un CFA")
    listed = api.get(f"/bilans/{bilan.pk}/enquetes", who)
    assert listed.status_code == ok(WRITE_EXPECTED[who])
    if listed.status_code == 200:
        assert [e["id"] for e in listed.json()] == [enquete.pk]
    updated = patch(
        api,
        f"/bilans/{bilan.pk}/enquetes/{enquete.pk}",
        who,
        {"plan": plan_body(contact_name="La directrice du CFA")},
    )
    assert updated.status_code == ok(WRITE_EXPECTED[who])
    enquete.refresh_from_db()
    assert (enquete.contact_name == "La directrice du CFA") == (updated.status_code == 200)


def test_the_whole_enquete_flow_through_the_api(api, bilan):
    option = free(bilan)
    created = api.post(
        f"/bilans/{bilan.pk}/pistes/{option.pk}/enquetes", "beneficiary", plan_body()
    ).json()
    path = f"/bilans/{bilan.pk}/enquetes/{created['id']}"
    first, *rest = created["questions"]
    grid = patch(
        api,
        path,
        "beneficiary",
        {
            "questions": [
                *rest,
                {"id": first["id"], "text": "Votre parcours ?"},
                {"text": "Et la nuit ?"},
            ]
        },
    )
    assert grid.status_code == 200
    questions = grid.json()["questions"]
    assert questions[-2] == {"id": first["id"], "text": "Votre parcours ?"}
    assert questions[-1]["text"] == "Et la nuit ?"
    recorded = patch(
        api,
        path,
        "consultant",
        {
            "record": {
                "held_on": YESTERDAY,
                "format": "video",
                "duration_minutes": 40,
                "answers": {first["id"]: "CAP à 35 ans."},
                "findings": "Le levain demande de la patience.",
                "conclusion": "confirms",
                "piste_status": "retained",
            }
        },
    )
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["answers"] == {first["id"]: "CAP à 35 ans."}
    piste = api.get(f"/bilans/{bilan.pk}/pistes", "beneficiary").json()[0]
    assert piste["status"] == "retained"
    assert piste["history"][-1]["enquete_id"] == created["id"]
    entretien = bilan.entretiens.first()
    debrief = patch(
        api, path, "consultant", {"debrief": {"entretien_id": entretien.pk, "note": "Ok"}}
    )
    assert debrief.json()["debrief_entretien_id"] == entretien.pk
    refused = patch(api, path, "beneficiary", {"debrief": {"note": "Moi aussi"}})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "body,message",
    [
        ({"plan": {"contact_name": " "}}, "description anonyme"),
        ({"record": {"held_on": "2099-01-01"}}, "dans le futur"),
        ({"record": {"held_on": YESTERDAY, "answers": {"zz": "?"}}}, "aucune question"),
        ({"questions": [{"id": "nope", "text": "?"}]}, "pas dans la grille"),
        ({"record": {"held_on": "pas une date"}}, "record.held_on"),
    ],
)
def test_bad_enquete_input_gets_422_and_changes_nothing(api, bilan, body, message):
    option = free(bilan)
    enquete = enquetes.plan_enquete(option=option, by=bilan.beneficiary, contact_name="Un CFA")
    response = patch(api, f"/bilans/{bilan.pk}/enquetes/{enquete.pk}", "beneficiary", body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert EnqueteMetier.objects.get().status == "planned"


def test_an_enquete_of_another_bilan_is_a_404(api, cast, bilan):
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    foreign = enquetes.plan_enquete(
        option=free(cast.other_bilan), by=cast.other_beneficiary, contact_name="X"
    )
    response = patch(
        api, f"/bilans/{bilan.pk}/enquetes/{foreign.pk}", "consultant", {"cancel": True}
    )
    assert response.status_code == 404


def test_the_operation_ids_are_published(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert {
        "list_pistes",
        "create_piste",
        "update_piste",
        "list_enquetes",
        "create_enquete",
        "update_enquete",
    } <= ids


VALIDATE_EXPECTED = {**WRITE_EXPECTED, "consultant": 403}


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_validates_the_project(api, bilan, who):
    a, b = free(bilan, title="A"), free(bilan, title="B")
    response = api.post(
        f"/bilans/{bilan.pk}/project-validations",
        who,
        {"principal_id": a.pk, "alternative_ids": [b.pk], "confirmed": True},
    )
    assert response.status_code == VALIDATE_EXPECTED[who], response.json()
    if who == "consultant":
        assert "ne décide jamais à sa place" in response.json()["detail"]
    if response.status_code == 201:
        assert response.json()["alternative_ids"] == [b.pk]


def test_an_unconfirmed_validation_is_a_422(api, bilan):
    a = free(bilan)
    response = api.post(
        f"/bilans/{bilan.pk}/project-validations",
        "beneficiary",
        {"principal_id": a.pk, "confirmed": False},
    )
    assert response.status_code == 422 and "Cochez" in response.json()["detail"]
