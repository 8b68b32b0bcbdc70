"""API v1, travail inter-session: create_assignment and list_assignments, for every role."""

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
from bilan.entretiens.assignments import assign_work, complete_assignment
from bilan.entretiens.models import Assignment, AssignmentKind, Entretien, InterviewGuide


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def bilan(cast: SimpleNamespace):
    """The consultant's bilan in its preliminary phase: 20 h + 2 h planned of 24 h."""
    advance_to(cast.bilan, Status.PRELIMINARY)
    cast.bilan.plan_hours(by=cast.consultant, accompaniment_minutes=20 * 60, personal_minutes=120)
    return cast.bilan


def body(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Questionnaire d'intérêts",
        "instructions": "En ligne, 40 questions.",
        "kind": "test",
        "estimated_minutes": 90,
        "due_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        **extra,
    }


def path(bilan) -> str:
    return f"/bilans/{bilan.pk}/assignments"


CREATE_EXPECTED = {
    "admin": 403,
    "consultant": 201,
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_only_the_assigned_consultant_creates_an_assignment(api, bilan, who):
    response = api.post(path(bilan), who, body())
    assert response.status_code == CREATE_EXPECTED[who], response.json()
    assert Assignment.objects.count() == (1 if who == "consultant" else 0)


def test_creating_returns_the_assignment_with_minutes(api, bilan):
    data = api.post(path(bilan), "consultant", body()).json()
    assert data["title"] == "Questionnaire d'intérêts" and data["kind"] == "test"
    assert data["kind_label"] == "questionnaire ou test"
    assert (data["estimated_minutes"], data["late"], data["done_at"]) == (90, False, None)
    assert bilan.budget().planned_personal == 120  # 1 h 30 within the 2 h programme


def test_an_assignment_over_24_hours_gets_409_with_the_l6313_4_message(api, bilan):
    response = api.post(path(bilan), "consultant", body(estimated_minutes=4 * 60 + 1))
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Travail inter-session refusé : durée planifiée 24 h 01 > 24 h maximum "
        "(art. L6313-4 du Code du travail)."
    )
    assert not Assignment.objects.exists()


def test_an_assignment_outside_the_phases_gets_409(api, cast):
    response = api.post(path(cast.bilan), "consultant", body())
    assert response.status_code == 409
    assert "le bilan est à l'étape « demande »" in response.json()["detail"]


@pytest.mark.parametrize(
    "bad,field",
    [
        ({"kind": "poésie"}, "body.payload.kind"),
        ({"estimated_minutes": -5}, "body.payload.estimated_minutes"),
        ({"due_on": "31/12/2030"}, "body.payload.due_on"),
        ({"entretien_id": 0}, "body.payload.entretien_id"),
    ],
)
def test_malformed_input_gets_422_naming_the_field(api, bilan, bad, field):
    response = api.post(path(bilan), "consultant", body(**bad))
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_a_past_due_date_gets_422_in_french(api, bilan):
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = api.post(path(bilan), "consultant", body(due_on=yesterday))
    assert response.status_code == 422
    assert "« à faire pour le » est passée" in response.json()["detail"]


def test_an_entretien_of_another_bilan_gets_422(api, cast, bilan):
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    other = cast.other_bilan.entretiens.first()
    response = api.post(path(bilan), "consultant", body(entretien_id=other.pk))
    assert response.status_code == 422
    assert "n'appartient pas à ce bilan" in response.json()["detail"]


def test_an_assignment_from_a_closing_item_takes_its_text(api, bilan):
    guide = InterviewGuide.objects.filter(organisation__isnull=True).first()
    entretien = bilan.entretiens.first()
    Entretien.objects.filter(pk=entretien.pk).update(
        guide=guide, interview_key="pistes-professionnelles"
    )
    data = api.post(
        path(bilan),
        "consultant",
        body(title="", kind="enquete", entretien_id=entretien.pk, closing_item="c2"),
    ).json()
    assert (data["title"], data["entretien_id"]) == (
        "Organisation des enquêtes métier",
        entretien.pk,
    )


LIST_EXPECTED = {
    "admin": 403,
    "consultant": 200,
    "colleague": 404,
    "beneficiary": 200,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("who", ROLES)
def test_the_list_is_for_the_beneficiary_and_the_assigned_consultant(api, bilan, who):
    response = api.get(path(bilan), who)
    assert response.status_code == LIST_EXPECTED[who]


def test_the_list_gives_work_by_due_date_with_its_state(api, cast, bilan):
    def give(title: str, days: int) -> Assignment:
        return assign_work(
            bilan=bilan,
            by=cast.consultant,
            title=title,
            instructions="",
            kind=AssignmentKind.REFLECTION,
            estimated_minutes=30,
            due_on=timezone.localdate() + dt.timedelta(days=days),
        )

    give("Plus tard", 9)
    late = give("En retard", 1)
    Assignment.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(1))
    complete_assignment(assignment=give("Fait", 3), by=cast.beneficiary, comment="Utile")
    data = api.get(path(bilan), "beneficiary").json()
    assert [(a["title"], a["late"], a["beneficiary_comment"]) for a in data] == [
        ("En retard", True, ""),
        ("Fait", False, "Utile"),
        ("Plus tard", False, ""),
    ]
    assert data[1]["done_at"] is not None


def test_the_consultant_listing_writes_api_audit_rows_and_the_beneficiary_none(api, bilan):
    api.post(path(bilan), "consultant", body())
    api.get(path(bilan), "beneficiary")
    assert not AuditEvent.objects.exists()
    api.get(path(bilan), "consultant")
    event = AuditEvent.objects.get()
    assert (event.object_type, event.channel, event.actor_role) == (
        "entretiens.Assignment",
        "api",
        "consultant",
    )


def test_the_admin_refused_the_list_writes_no_audit_row(api, bilan):
    api.post(path(bilan), "consultant", body())
    assert api.get(path(bilan), "admin").status_code == 403
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["denied"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_without_a_token_the_endpoints_answer_401(api, bilan, method):
    response = api.get(path(bilan), None) if method == "get" else api.post(path(bilan), None, {})
    assert response.status_code == 401


def test_the_openapi_schema_names_both_operations_and_their_errors(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    ops = schema["paths"]["/api/v1/bilans/{bilan_id}/assignments"]
    assert ops["post"]["operationId"] == "create_assignment"
    assert ops["get"]["operationId"] == "list_assignments"
    assert {"401", "403", "404", "409", "422"} <= set(ops["post"]["responses"])
    assert {"401", "403", "404", "422"} <= set(ops["get"]["responses"])
