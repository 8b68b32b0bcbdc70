"""API v1: saving an entretien's notes (with conflicts), reading them (audited), marking it
held — for the assigned consultant only; private notes never reach the beneficiary."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bilan.accounts.models import ApiToken
from bilan.compliance.models import AuditEvent
from bilan.entretiens.models import Entretien, EntretienNote, EntretienStatus
from bilan.entretiens.notes import save_note
from bilan.entretiens.test_conduct import make_entretien

ROLES = [
    "consultant",
    "colleague",
    "admin",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
]
# What each role gets on the consultant's entretien: 404 hides what the caller may not see.
EXPECTED = {
    "colleague": 404,
    "admin": 403,
    "beneficiary": 403,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
}
PRIVATE = "Note privée : parle de difficultés personnelles"


class Api:
    def __init__(self, cast) -> None:
        self.client = Client()
        self.tokens = {role: ApiToken.issue(getattr(cast, role)) for role in ROLES}

    def call(self, method: str, path: str, who: str, body: dict | None = None) -> Any:
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}",
        )


@pytest.fixture
def api(cast) -> Api:
    return Api(cast)


@pytest.fixture
def entretien(cast) -> Entretien:
    return make_entretien(cast)


def held_body(minutes: int = 70) -> dict[str, str]:
    end = timezone.now().replace(microsecond=0)
    return {
        "actual_start": (end - dt.timedelta(minutes=minutes)).isoformat(),
        "actual_end": end.isoformat(),
    }


@pytest.mark.parametrize("who", ROLES)
def test_only_the_assigned_consultant_uses_the_notes_endpoints(api, cast, entretien, who):
    pk = entretien.pk
    calls = [
        ("put", f"/entretiens/{pk}/notes/free", {"text": "x", "base_version": 0}),
        ("post", f"/entretiens/{pk}/notes/summary", {"text": "y", "base_version": 0}),
        ("get", f"/entretiens/{pk}/notes", None),
        ("post", f"/entretiens/{pk}/held", held_body()),
    ]
    for method, path, body in calls:
        response = api.call(method, path, who, body)
        expected = 200 if who == "consultant" else EXPECTED[who]
        assert response.status_code == expected, (path, response.content)
        assert "detail" in response.json() if expected != 200 else True
    if who != "consultant":
        assert not EntretienNote.objects.exists()
        entretien.refresh_from_db()
        assert entretien.status == EntretienStatus.PLANNED


def test_a_save_returns_the_note_and_its_new_version(api, cast, entretien):
    path = f"/entretiens/{entretien.pk}/notes/g1-q1"
    response = api.call("put", path, "consultant", {"text": "Premier jet", "base_version": 0})
    assert response.json() == {
        "key": "g1-q1",
        "kind": "private",
        "version": 1,
        "text": "Premier jet",
    }
    response = api.call("put", path, "consultant", {"text": "Suite", "base_version": 1})
    assert response.json()["version"] == 2
    summary = api.call(
        "put",
        f"/entretiens/{entretien.pk}/notes/summary",
        "consultant",
        {"text": "s", "base_version": 0},
    )
    assert summary.json()["kind"] == "shared"


def test_two_saves_from_the_same_version_the_second_gets_409_with_both_texts(api, cast, entretien):
    path = f"/entretiens/{entretien.pk}/notes/free"
    api.call("put", path, "consultant", {"text": "base", "base_version": 0})
    first = api.call("put", path, "consultant", {"text": "le premier", "base_version": 1})
    second = api.call("put", path, "consultant", {"text": "le second", "base_version": 1})
    assert first.status_code == 200 and second.status_code == 409
    body = second.json()
    assert body["theirs"]["text"] == "le premier" and body["theirs"]["version"] == 2
    assert body["yours"] == "le second" and body["key"] == "free"
    assert "modifié ailleurs" in body["detail"]
    assert EntretienNote.objects.get(entretien=entretien, key="free").text == "le premier"
    assert (
        AuditEvent.objects.filter(channel="api", object_type="entretiens.EntretienNote").count()
        == 1
    )


@pytest.mark.parametrize(
    "key,body,detail",
    [
        ("inconnu", {"text": "x", "base_version": 0}, "Champ de notes inconnu"),
        ("free", {"text": "x", "base_version": -1}, "base_version"),
        ("free", {"text": "x"}, "base_version"),
        ("free", {"text": "x" * 100_001, "base_version": 0}, "text"),
    ],
)
def test_bad_input_gets_422_in_french(api, cast, entretien, key, body, detail):
    response = api.call("put", f"/entretiens/{entretien.pk}/notes/{key}", "consultant", body)
    assert response.status_code == 422 and detail in response.json()["detail"]
    assert not EntretienNote.objects.exists()


def test_reading_the_notes_writes_one_audit_row_per_note_on_the_api_channel(api, cast, entretien):
    save_note(entretien=entretien, key="free", text="a", base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="summary", text="b", base_version=0, by=cast.consultant)
    response = api.call("get", f"/entretiens/{entretien.pk}/notes", "consultant")
    assert {n["key"] for n in response.json()} == {"free", "summary"}
    events = AuditEvent.objects.filter(object_type="entretiens.EntretienNote")
    assert events.count() == 2 and {e.channel for e in events} == {"api"}
    assert {e.actor_id for e in events} == {cast.consultant.pk}


def test_mark_held_by_api_records_the_actual_span(api, cast, entretien):
    before = cast.bilan.budget()
    response = api.call("post", f"/entretiens/{entretien.pk}/held", "consultant", held_body(70))
    assert response.status_code == 200
    assert response.json()["status"] == "held" and response.json()["held_minutes"] == 70
    cast.bilan.refresh_from_db()
    after = cast.bilan.budget()
    assert after.held == before.held + 70
    # held, not yet delivered: the ledger counts it once both parties have signed
    assert after.delivered_accompaniment == before.delivered_accompaniment


def test_mark_held_refusals(api, cast, entretien):
    path = f"/entretiens/{entretien.pk}/held"
    body = held_body()
    backwards = {"actual_start": body["actual_end"], "actual_end": body["actual_start"]}
    response = api.call("post", path, "consultant", backwards)
    assert response.status_code == 422 and "après le début" in response.json()["detail"]
    response = api.call("post", path, "consultant", {"actual_start": "hier", "actual_end": "x"})
    assert response.status_code == 422
    assert api.call("post", path, "consultant", body).status_code == 200
    again = api.call("post", path, "consultant", body)
    assert again.status_code == 409 and "déjà" in again.json()["detail"]


def test_no_api_response_to_the_beneficiary_carries_a_private_note(api, cast, entretien):
    save_note(entretien=entretien, key="free", text=PRIVATE, base_version=0, by=cast.consultant)
    save_note(entretien=entretien, key="g1-q1", text=PRIVATE, base_version=0, by=cast.consultant)
    entretien.mark_held(by=cast.consultant)
    paths = [
        "/bilans",
        f"/bilans/{cast.bilan.pk}",
        f"/entretiens/{entretien.pk}",
        f"/entretiens/{entretien.pk}/notes",
        f"/bilans/{cast.bilan.pk}/assignments",
    ]
    for path in paths:
        response = api.call("get", path, "beneficiary")
        assert PRIVATE not in response.content.decode(), path
    response = api.call(
        "put",
        f"/entretiens/{entretien.pk}/notes/free",
        "beneficiary",
        {"text": "x", "base_version": 0},
    )
    assert response.status_code == 403 and PRIVATE not in response.content.decode()


def test_the_openapi_schema_names_the_operations(api, cast):
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"save_entretien_note", "mark_entretien_held", "list_entretien_notes"} <= operations
