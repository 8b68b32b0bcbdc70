"""API v1, attendance (sign_attendance): the caller signs for themself only, errors by status."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.attendance import hash_ip, sign_attendance
from bilan.entretiens.models import Attendance, Entretien, Modality
from bilan.entretiens.test_attendance import held, new_attendances, png


class Caller:
    def __init__(self, cast: SimpleNamespace) -> None:
        self.cast = cast
        self.client = Client()

    def sign(self, entretien_id: int, who: str | None, body: dict[str, Any]) -> Any:
        headers = {}
        if who:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {ApiToken.issue(getattr(self.cast, who))}"
        return self.client.post(
            f"/api/v1/entretiens/{entretien_id}/attendance",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_USER_AGENT="client-api/1.0",
            REMOTE_ADDR="198.51.100.7",
            **headers,
        )


@pytest.fixture
def api(cast) -> Caller:
    return Caller(cast)


@pytest.fixture
def entretien(cast) -> Entretien:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return held(cast.bilan, modality=Modality.VIDEO)


DRAWN = {"method": "drawn", "signature_image": png(), "confirmed": False}


def test_the_consultant_signs_through_the_api(api, cast, entretien):
    response = api.sign(entretien.pk, "consultant", DRAWN)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["signer_role"] == "consultant" and body["method"] == "drawn"
    assert body["entretien_id"] == entretien.pk and body["regularisation"] is False
    attendance = Attendance.objects.get(pk=body["id"])
    assert attendance.signer == cast.consultant
    assert attendance.ip_hash == hash_ip("198.51.100.7")
    assert attendance.user_agent == "client-api/1.0"


def test_the_beneficiary_signs_a_remote_entretien_with_a_typed_name(api, cast, entretien):
    response = api.sign(
        entretien.pk,
        "beneficiary",
        {"method": "typed", "typed_name": "Bruno Bénéf", "confirmed": True},
    )
    assert response.status_code == 201
    assert response.json()["signer_role"] == "beneficiary"
    assert new_attendances().get().signer == cast.beneficiary


@pytest.mark.parametrize(
    "who,status",
    [
        ("admin", 403),
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
        ("outsider_beneficiary", 404),
        (None, 401),
    ],
)
def test_nobody_else_signs_through_the_api(api, entretien, who, status):
    response = api.sign(entretien.pk, who, DRAWN)
    assert response.status_code == status
    assert "detail" in response.json()
    assert not new_attendances().exists()


@pytest.mark.parametrize("who,role", [("consultant", "beneficiary"), ("beneficiary", "consultant")])
def test_signing_as_the_other_party_is_forbidden(api, entretien, who, role):
    response = api.sign(entretien.pk, who, {**DRAWN, "signer_role": role})
    assert response.status_code == 403
    assert response.json()["detail"] == "Vous ne pouvez signer que pour vous-même."
    assert not new_attendances().exists()


def test_the_consultant_cannot_sign_for_the_beneficiary_even_in_person(api, cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    in_person = held(cast.bilan, modality=Modality.IN_PERSON)
    response = api.sign(in_person.pk, "consultant", {**DRAWN, "signer_role": "beneficiary"})
    assert response.status_code == 403
    assert not new_attendances().exists()


def test_a_second_signature_is_a_conflict(api, cast, entretien):
    sign_attendance(
        entretien=entretien,
        signer=cast.consultant,
        method="typed",
        typed_name="Claire Conseil",
        confirmed=True,
    )
    response = api.sign(entretien.pk, "consultant", DRAWN)
    assert response.status_code == 409
    assert "a déjà signé" in response.json()["detail"]
    assert new_attendances().count() == 1


def test_an_entretien_not_held_is_a_conflict(api, cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    planned = Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() + dt.timedelta(days=1),
        planned_minutes=60,
    )
    response = api.sign(planned.pk, "consultant", DRAWN)
    assert response.status_code == 409
    assert "entretien tenu" in response.json()["detail"]


@pytest.mark.parametrize(
    "body,detail",
    [
        ({"method": "drawn", "signature_image": png(blank=True)}, "la signature est vide"),
        ({"method": "drawn", "signature_image": "data:image/gif;base64,R0lG"}, "image PNG"),
        ({"method": "typed", "typed_name": "Claire Conseil"}, "Cochez la case"),
        ({"method": "typed", "typed_name": "", "confirmed": True}, "Saisissez votre nom"),
        ({"method": "fax"}, "method"),
        ({"method": "typed", "typed_name": "x" * 301, "confirmed": True}, "typed_name"),
        ({}, "method"),
    ],
)
def test_bad_input_is_422_with_a_french_message(api, entretien, body, detail):
    response = api.sign(entretien.pk, "consultant", body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert not new_attendances().exists()


@pytest.mark.parametrize("entretien_id", [999_999, 2**63])
def test_an_unknown_entretien_is_404_or_422(api, entretien, entretien_id):
    response = api.sign(entretien_id, "consultant", DRAWN)
    assert response.status_code == (404 if entretien_id < 2**63 else 422)


def test_the_endpoint_is_in_the_openapi_schema_with_its_errors(api, cast):
    schema = api.client.get(
        "/api/v1/openapi.json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast.consultant)}",
    ).json()
    operation = schema["paths"]["/api/v1/entretiens/{entretien_id}/attendance"]["post"]
    assert operation["operationId"] == "sign_attendance"
    assert {"201", "401", "403", "404", "409", "422"} <= set(operation["responses"])
