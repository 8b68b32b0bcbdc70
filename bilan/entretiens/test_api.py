"""API v1, entretiens: schedule_entretien and get_entretien, for every member of the cast."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien, EntretienNote, Modality


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def body(**extra: Any) -> dict[str, Any]:
    day = timezone.localdate() + dt.timedelta(days=4)
    return {
        "interview_key": "accueil",
        "starts_at": f"{day.isoformat()}T10:00:00+01:00",
        "planned_minutes": 90,
        "modality": "in_person",
        "place": "Cap Avenir, salle 2",
        **extra,
    }


SCHEDULE_STATUS = {
    "consultant": 201,
    "admin": 403,
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_assigned_consultant_schedules_an_entretien(api, cast, role):
    response = api.post(f"/bilans/{cast.bilan.pk}/entretiens", role, body())
    assert response.status_code == SCHEDULE_STATUS[role], response.json()
    assert Entretien.objects.count() == (1 if role == "consultant" else 0)


def test_scheduling_returns_the_entretien_of_the_guide(api, cast):
    response = api.post(f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body())
    data = response.json()
    assert data["phase"] == "preliminary"
    assert data["title"] == "Entretien d'accueil et d'information"
    assert (data["interview_key"], data["planned_minutes"], data["sequence"]) == ("accueil", 90, 0)
    starts_at = dt.datetime.fromisoformat(body()["starts_at"])
    assert dt.datetime.fromisoformat(data["starts_at"].replace("Z", "+00:00")) == starts_at
    assert dt.datetime.fromisoformat(data["ends_at"].replace("Z", "+00:00")) == (
        starts_at + dt.timedelta(minutes=90)
    )
    assert data["status"] == "planned"
    assert data["cancel_reason"] is None


def test_unauthenticated_calls_get_401(api, cast):
    assert api.post(f"/bilans/{cast.bilan.pk}/entretiens", None, body()).status_code == 401
    assert api.get("/entretiens/1", "bad_token").status_code == 401


def test_a_25th_hour_is_a_409_citing_l6313_4(api, cast):
    api.post(f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body(planned_minutes=23 * 60))
    response = api.post(f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body())
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Entretien refusé : durée planifiée 24 h 30 > 24 h maximum "
        "(art. L6313-4 du Code du travail)."
    )


def test_an_entretien_of_a_closed_phase_is_a_409_with_the_reason(api, cast):
    advance_to(cast.bilan, Status.INVESTIGATION)
    count = Entretien.objects.count()
    response = api.post(
        f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body(interview_key="analyse-demande")
    )
    assert response.status_code == 409
    assert "cette phase est close" in response.json()["detail"]
    assert Entretien.objects.count() == count


@pytest.mark.parametrize(
    "extra,detail",
    [
        ({"starts_at": "2020-01-10T10:00:00+01:00"}, "Cette date est passée"),
        ({"starts_at": "2030-01-10T10:00:00"}, "avec leur décalage horaire"),
        ({"place": ""}, "Indiquez le lieu de l'entretien en présentiel"),
        ({"modality": "video"}, "Indiquez le lien de la visio"),
        ({"interview_key": "inconnu"}, "ne figure pas dans le guide"),
    ],
)
def test_invalid_input_refused_by_the_model_is_a_422_in_french(api, cast, extra, detail):
    response = api.post(f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body(**extra))
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert not Entretien.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"starts_at": "le 10 janvier"},
        {"starts_at": "2030-02-31T10:00:00+01:00"},
        {"planned_minutes": 0},
        {"modality": "pigeon"},
        {"place": "x" * 301},
    ],
)
def test_a_malformed_request_is_a_422_naming_the_field(api, cast, extra):
    response = api.post(f"/bilans/{cast.bilan.pk}/entretiens", "consultant", body(**extra))
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Requête invalide, vérifiez : ")


GET_STATUS = {
    "consultant": 200,
    "admin": 200,
    "beneficiary": 200,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_an_entretien_is_read_by_the_bilans_staff_and_its_beneficiary(api, cast, role):
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=60,
        modality=Modality.VIDEO,
        video_link="https://visio.example/b",
    )
    response = api.get(f"/entretiens/{entretien.pk}", role)
    assert response.status_code == GET_STATUS[role]
    if response.status_code == 200:
        assert response.json()["video_link"] == "https://visio.example/b"


def test_an_entretien_is_read_without_any_note(api, cast):
    entretien = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        starts_at=timezone.now() + dt.timedelta(days=2),
        planned_minutes=60,
    )
    EntretienNote.objects.create(entretien=entretien, key="free", text="Note privée sensible")
    response = api.get(f"/entretiens/{entretien.pk}", "consultant")
    assert "Note privée sensible" not in response.content.decode()
    assert "notes" not in response.json()


def test_an_unknown_entretien_is_a_404(api):
    assert api.get("/entretiens/999999", "consultant").status_code == 404
    assert api.get(f"/entretiens/{2**63}", "consultant").status_code == 422


def test_both_operations_are_documented_with_their_errors(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    post = schema["paths"]["/api/v1/bilans/{bilan_id}/entretiens"]["post"]
    get = schema["paths"]["/api/v1/entretiens/{entretien_id}"]["get"]
    assert post["operationId"] == "schedule_entretien"
    assert get["operationId"] == "get_entretien"
    assert set(post["responses"]) == {"201", "400", "401", "403", "404", "409", "413", "415", "422"}
    assert set(get["responses"]) == {"200", "401", "403", "404", "422"}
