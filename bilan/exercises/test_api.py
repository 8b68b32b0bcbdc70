"""API v1, reflection exercises: create_experience, list_experiences and get_portfolio, for
every role; bad input and closed bilans."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.exercises.models import Experience
from bilan.exercises.parcours import add_experience


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace):
    advance_to(cast.bilan, Status.PRELIMINARY)
    return cast.bilan


def body(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "job",
        "title": "Assistante comptable",
        "place": "Transports Martin",
        "start": "2015-09",
        "end": "2019-06",
        "missions": "Saisie des factures.",
        "liked": "L'équipe.",
        "liked_less": "Les horaires.",
        "achievements": [{"situation": "Impayés", "action": "Relances", "result": "-30 %"}],
        "competences": [{"label": "Gérer un budget"}, {"label": "Relancer", "rome_code": "D1401"}],
        **extra,
    }


def path(bilan, what: str = "experiences") -> str:
    return f"/bilans/{bilan.pk}/{what}"


def seed(bilan, title: str = "Trésorière", start: dt.date = dt.date(2020, 1, 1), **extra):
    return add_experience(
        bilan=bilan,
        by=bilan.beneficiary,
        kind="volunteering",
        title=title,
        start_on=start,
        competences=extra.pop("competences", ["gerer un BUDGET"]),
        **extra,
    )


CREATE_EXPECTED = {
    "admin": 403,
    "consultant": 403,
    "colleague": 404,
    "beneficiary": 201,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}
READ_EXPECTED = {**CREATE_EXPECTED, "consultant": 200, "beneficiary": 200}


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_creates_an_experience(api, bilan, who):
    response = api.post(path(bilan), who, body())
    assert response.status_code == CREATE_EXPECTED[who], response.json()
    assert Experience.objects.count() == (1 if who == "beneficiary" else 0)


def test_the_consultant_is_told_in_french_that_the_parcours_is_the_beneficiarys(api, bilan):
    response = api.post(path(bilan), "consultant", body())
    assert response.json()["detail"] == (
        "Seul·e le ou la bénéficiaire écrit ses exercices de réflexion."
    )


def test_creating_returns_the_experience_with_its_achievements_and_competences(api, bilan):
    data = api.post(path(bilan), "beneficiary", body()).json()
    assert (data["title"], data["kind_label"], data["start"], data["end"], data["ongoing"]) == (
        "Assistante comptable",
        "emploi",
        "2015-09",
        "2019-06",
        False,
    )
    assert data["achievements"] == [
        {"situation": "Impayés", "action": "Relances", "result": "-30 %"}
    ]
    labels = [(c["label"], c["rome_code"], c["linked_at"] is None) for c in data["competences"]]
    assert labels == [("Gérer un budget", "", True), ("Relancer", "D1401", False)]


def test_an_experience_without_an_end_is_ongoing(api, bilan):
    data = api.post(path(bilan), "beneficiary", body(end=None)).json()
    assert (data["end"], data["ongoing"]) == (None, True)


@pytest.mark.parametrize(
    "bad,message",
    [
        ({"end": "2014-01"}, "La fin est avant le début"),
        ({"end": "2999-01"}, "La fin est dans le futur"),
        ({"title": "   "}, "Donnez un intitulé"),
    ],
)
def test_refused_input_gets_422_with_a_french_message(api, bilan, bad, message):
    response = api.post(path(bilan), "beneficiary", body(**bad))
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert not Experience.objects.exists()


@pytest.mark.parametrize(
    "bad,field",
    [
        ({"kind": "croisière"}, "body.payload.kind"),
        ({"start": "09/2015"}, "body.payload.start"),
        ({"start": "2015-13"}, "body.payload.start"),
        ({"missions": "x" * 5001}, "body.payload.missions"),
        ({"title": "x" * 201}, "body.payload.title"),
        ({"competences": [{"label": "x"}] * 31}, "body.payload.competences"),
    ],
)
def test_malformed_input_gets_422_naming_the_field(api, bilan, bad, field):
    response = api.post(path(bilan), "beneficiary", body(**bad))
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert not Experience.objects.exists()


def test_creating_on_a_closed_bilan_gets_409(api, bilan):
    advance_to(bilan, Status.CLOSED)
    response = api.post(path(bilan), "beneficiary", body())
    assert response.status_code == 409
    assert "le bilan est à l'étape « clos »" in response.json()["detail"]


@pytest.mark.parametrize("what", ["experiences", "portfolio"])
@pytest.mark.parametrize("who", ROLES)
def test_reading_is_for_the_beneficiary_and_the_assigned_consultant(api, bilan, what, who):
    seed(bilan)
    response = api.get(path(bilan, what), who)
    assert response.status_code == READ_EXPECTED[who]
    assert AuditEvent.objects.exclude(action="denied").exists() == (who == "consultant")
    # A refused read is logged as such (issue 11).
    assert AuditEvent.objects.filter(action="denied").exists() == (response.status_code >= 400)


def test_the_list_gives_the_parcours_in_date_order(api, bilan):
    seed(bilan, "Récent", timezone.localdate().replace(day=1))
    seed(bilan, "Ancien", dt.date(2001, 3, 1))
    data = api.get(path(bilan), "beneficiary").json()
    assert [(e["title"], e["start"]) for e in data] == [
        ("Ancien", "2001-03"),
        ("Récent", f"{timezone.localdate():%Y-%m}"),
    ]


def test_the_consultant_listing_writes_api_audit_rows_and_the_beneficiary_none(api, bilan):
    seed(bilan)
    api.get(path(bilan), "beneficiary")
    assert not AuditEvent.objects.exists()
    api.get(path(bilan), "consultant")
    assert set(AuditEvent.objects.values_list("object_type", "channel", "actor_role")) == {
        ("exercises.Experience", "api", "consultant"),
        ("exercises.ExperienceCompetence", "api", "consultant"),
    }


def test_the_portfolio_groups_competences_whatever_their_accents_and_case(api, bilan):
    first = seed(bilan, "Comptable", dt.date(2015, 1, 1), competences=["Gérer un budget"])
    second = seed(
        bilan, "Trésorière", dt.date(2020, 1, 1), competences=["gerer un BUDGET", "Animer"]
    )
    data = api.get(path(bilan, "portfolio"), "consultant").json()
    assert data == [
        {
            "label": "Gérer un budget",
            "rome_code": "",
            "spellings": ["Gérer un budget", "gerer un BUDGET"],
            "experiences": [
                {"id": first.pk, "title": "Comptable"},
                {"id": second.pk, "title": "Trésorière"},
            ],
        },
        {
            "label": "Animer",
            "rome_code": "",
            "spellings": ["Animer"],
            "experiences": [{"id": second.pk, "title": "Trésorière"}],
        },
    ]


@pytest.mark.parametrize("what", ["experiences", "portfolio"])
def test_without_a_token_the_endpoints_answer_401(api, bilan, what):
    assert api.get(path(bilan, what), None).status_code == 401
    assert api.post(path(bilan), None, body()).status_code == 401


def test_the_openapi_schema_names_the_operations_and_their_errors(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    ops = schema["paths"]["/api/v1/bilans/{bilan_id}/experiences"]
    assert ops["post"]["operationId"] == "create_experience"
    assert ops["get"]["operationId"] == "list_experiences"
    assert {"401", "403", "404", "409", "422"} <= set(ops["post"]["responses"])
    assert {"401", "403", "404", "422"} <= set(ops["get"]["responses"])
    portfolio = schema["paths"]["/api/v1/bilans/{bilan_id}/portfolio"]["get"]
    assert portfolio["operationId"] == "get_portfolio"


@pytest.mark.parametrize("start", ["0000-01", "0000-12"])
def test_it_refuses_year_zero_with_a_422_not_a_500(api: Api, bilan, start: str) -> None:
    response = api.post(path(bilan), "beneficiary", body(start=start))
    assert response.status_code == 422
    assert "start" in response.json()["detail"]
    assert not Experience.objects.exists()
