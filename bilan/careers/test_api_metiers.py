"""API v1, métiers: search_metiers and get_metier for every authenticated user;
list_saved_fiches and save_fiche for the bilan's beneficiary and consultant only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.careers import search
from bilan.careers.models import SavedFiche
from bilan.careers.research import save_fiche
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Assignment, AssignmentKind

ATTRIBUTION = "Source : France Travail, ROME 4.0 version 60 — Licence Ouverte"

SAVE_EXPECTED = {
    "admin": 403,
    "consultant": 403,
    "colleague": 404,
    "beneficiary": 201,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}
READ_EXPECTED = {**SAVE_EXPECTED, "consultant": 200, "beneficiary": 200}


@pytest.fixture(autouse=True)
def fresh_index():
    search.forget_index()
    yield
    search.forget_index()


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace, rome):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def path(bilan) -> str:
    return f"/bilans/{bilan.pk}/recherches"


# ---- referential -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_any_authenticated_user_searches_and_reads_fiches(api, rome, who):
    response = api.get("/metiers?q=infirmiere", who)
    assert response.status_code == 200
    data = response.json()
    assert data["items"][0]["code_rome"] == "J1506"
    assert (data["rome_version"], data["attribution"]) == ("60", ATTRIBUTION)
    fiche = api.get("/metiers/J1506", who)
    assert fiche.status_code == 200
    assert fiche.json()["attribution"] == ATTRIBUTION


@pytest.mark.parametrize("who", [None, "bad_token"])
def test_without_a_valid_token_it_is_401(api, rome, who):
    assert api.get("/metiers?q=infirmiere", who).status_code == 401
    assert api.get("/metiers/J1506", who).status_code == 401


def test_search_returns_one_row_per_metier_with_its_best_appellation(api, rome):
    data = api.get("/metiers?q=programmeuse", "consultant").json()
    assert data["items"] == [
        {
            "code_rome": "M1805",
            "label": "Développeur / Développeuse informatique",
            "appellation": "Programmeur / Programmeuse informatique",
            "appellation_code_ogr": 18192,
            "match": "starts_with",
        }
    ]
    assert (data["total"], data["truncated"], data["messages"]) == (1, False, [])


def test_search_takes_filters_and_a_limit(api, rome):
    items = api.get("/metiers?q=agent&domaine=A12", "beneficiary").json()["items"]
    assert {i["code_rome"] for i in items} == {"A1202", "A1203"}
    assert api.get("/metiers?q=agent&domaine=K", "beneficiary").json()["items"] == []
    items = api.get("/metiers?riasec=S", "beneficiary").json()["items"]
    assert {i["code_rome"] for i in items} == {"J1506", "K1201", "K1207", "K2111"}
    assert all(i["match"] == "filters" for i in items)
    night = 300803  # « Travail de nuit »
    codes = {i["code_rome"] for i in api.get("/metiers?riasec=S", "beneficiary").json()["items"]}
    avoided = api.get(f"/metiers?riasec=S&avoid_contexte={night}", "beneficiary").json()["items"]
    assert "J1506" in codes and "J1506" not in {i["code_rome"] for i in avoided}
    assert len(api.get("/metiers?q=a&limit=2", "beneficiary").json()["items"]) == 2


def test_absurd_searches_get_a_french_message(api, rome):
    data = api.get("/metiers?q=" + "%27%3B%20DROP%20TABLE%20x%3B%20--", "consultant").json()
    assert data["items"] == []
    assert data["messages"][0].startswith("Aucun métier ne correspond à « '; DROP TABLE x; -- »")
    data = api.get("/metiers?q=" + "x" * 500, "consultant").json()
    assert data["truncated"] and len(data["query"]) == 100
    assert "raccourcie à 100 caractères" in data["messages"][0]
    assert api.get("/metiers?limit=0", "consultant").status_code == 422


def test_get_metier_gives_the_whole_fiche(api, rome):
    data = api.get("/metiers/j1506", "beneficiary").json()
    assert data["label"] == "Infirmier / Infirmière en soins généraux (IDE)"
    assert data["riasec_major"]["name"] == "Social"
    assert [m["code_rome"] for m in data["mobilites"]] == ["J1502", "K2111"]
    assert {g["label"] for g in data["contextes"]} >= {"Horaires et durée du travail"}
    assert any(g["core"] for g in data["savoir_faire"])
    assert len(data["appellations"]) == 5
    assert data["rome_version"] == "60"


def test_an_unknown_code_is_a_404(api, rome):
    for code in ["Z9999", "A1101", "x" * 20]:
        response = api.get(f"/metiers/{code}", "consultant")
        assert response.status_code == 404, code
        assert response.json()["detail"] == "Ressource introuvable."


def test_the_openapi_names_the_operations(api, rome):
    spec = api.client.get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for p in spec["paths"].values() for op in p.values()}
    assert {"search_metiers", "get_metier", "list_saved_fiches", "save_fiche"} <= ids


# ---- saved fiches ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_saves_a_fiche(api, bilan, who):
    response = api.post(path(bilan), who, {"code_rome": "J1506", "attracts": "Le soin"})
    assert response.status_code == SAVE_EXPECTED[who], response.json()
    assert SavedFiche.objects.count() == (1 if who == "beneficiary" else 0)


@pytest.mark.parametrize("who", ROLES)
def test_the_beneficiary_and_the_assigned_consultant_list_the_saved_fiches(api, bilan, who):
    save_fiche(bilan=bilan, by=bilan.beneficiary, code_rome="J1506", attracts="Le soin")
    response = api.get(path(bilan), who)
    assert response.status_code == READ_EXPECTED[who], response.json()
    if response.status_code == 200:
        [item] = response.json()
        assert (item["code_rome"], item["attracts"], item["rome_version"]) == (
            "J1506",
            "Le soin",
            "60",
        )
        assert item["attribution"] == ATTRIBUTION
    audited = AuditEvent.objects.filter(object_type="careers.SavedFiche", channel="api")
    assert audited.exists() == (who == "consultant")


def test_saving_twice_updates_with_200(api, bilan):
    first = api.post(path(bilan), "beneficiary", {"code_rome": "J1506", "attracts": "Le soin"})
    assert first.status_code == 201
    again = api.post(path(bilan), "beneficiary", {"code_rome": "j1506", "worries": "La nuit"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert (again.json()["attracts"], again.json()["worries"]) == ("", "La nuit")
    assert SavedFiche.objects.count() == 1


def test_a_fiche_may_answer_a_research_assignment(api, bilan):
    task = Assignment.objects.create(bilan=bilan, title="Explorer", kind=AssignmentKind.RESEARCH)
    data = api.post(
        path(bilan), "beneficiary", {"code_rome": "K2111", "assignment_id": task.pk}
    ).json()
    assert data["assignment_id"] == task.pk
    other = Assignment.objects.create(bilan=bilan, title="Test", kind=AssignmentKind.TEST)
    response = api.post(
        path(bilan), "beneficiary", {"code_rome": "K2111", "assignment_id": other.pk}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "payload",
    [{"code_rome": "Z9999"}, {"code_rome": "J1506", "attracts": "x" * 5001}, {"attracts": "x"}],
)
def test_bad_input_is_a_422(api, bilan, payload):
    assert api.post(path(bilan), "beneficiary", payload).status_code == 422
    assert not SavedFiche.objects.exists()


def test_out_of_its_phases_saving_is_a_409(api, cast, rome):
    response = api.post(path(cast.bilan), "beneficiary", {"code_rome": "J1506"})
    assert response.status_code == 409  # still in ENQUIRY
    assert "étape « demande »" in response.json()["detail"]
    advance_to(cast.bilan, Status.CLOSED)
    response = api.post(path(cast.bilan), "beneficiary", {"code_rome": "J1506"})
    assert response.status_code == 409
    assert api.get(path(cast.bilan), "beneficiary").status_code == 200
