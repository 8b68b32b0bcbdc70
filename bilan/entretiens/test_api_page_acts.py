"""API v1, the entretien pages' acts that had no operation (issue 12): reschedule_entretien,
set_checklist_item, and the guide editor's copy_default_guide, add_guide_interview and
edit_guide_interview — through the pages' owners, for every role; a refused call changes
nothing."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.entretiens import guides
from bilan.entretiens.models import Entretien, EntretienChecklist, InterviewGuide
from bilan.entretiens.test_conduct import make_entretien
from bilan.entretiens.test_schedule import book, soon

pytestmark = pytest.mark.usefixtures("booking_window_to_2031")


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


# The assigned consultant acts; the administration and the beneficiary see the bilan and are
# refused (403); anyone else gets 404 (another organisation's people included).
CONSULTANT = {
    "consultant": 200,
    "admin": 403,
    "beneficiary": 403,
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}


# ---- reschedule_entretien -------------------------------------------------------------------


def move_body(days: int = 5) -> dict[str, Any]:
    return {
        "starts_at": soon(days=days, hour=14).isoformat(),
        "planned_minutes": 120,
        "modality": "video",
        "video_link": "https://visio.example/bilan",
    }


@pytest.mark.parametrize("who", ROLES)
def test_reschedule_entretien_is_the_assigned_consultants_act(
    api, cast, who, mailoutbox, django_capture_on_commit_callbacks
):
    entretien = book(cast)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/entretiens/{entretien.pk}/reschedule", who, move_body())
    assert response.status_code == CONSULTANT[who], response.content
    entretien.refresh_from_db()
    moved = entretien.starts_at == soon(days=5, hour=14)
    assert moved == (who == "consultant")
    if who == "consultant":
        data = response.json()
        assert (data["planned_minutes"], data["modality"], data["sequence"]) == (120, "video", 1)
        assert len(mailoutbox) == 2  # both parties are told
    else:
        assert entretien.sequence == 0 and response.json()["detail"] and not mailoutbox


def test_rescheduling_into_the_past_is_refused_and_keeps_the_date(api, cast):
    entretien = book(cast)
    past = {**move_body(), "starts_at": (soon() - dt.timedelta(days=30)).isoformat()}
    response = api.post(f"/entretiens/{entretien.pk}/reschedule", "consultant", past)
    assert response.status_code == 422
    assert "Cette date est passée" in response.json()["detail"]
    entretien.refresh_from_db()
    assert entretien.starts_at == soon()


def test_rescheduling_a_cancelled_entretien_is_409(api, cast):
    entretien = book(cast)
    entretien.cancel(by=cast.consultant, reason="health")
    response = api.post(f"/entretiens/{entretien.pk}/reschedule", "consultant", move_body())
    assert response.status_code == 409
    assert "déjà « annulé »" in response.json()["detail"]


# ---- set_checklist_item ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_set_checklist_item_is_the_assigned_consultants_act(api, cast, who):
    entretien = make_entretien(cast)
    body = {"section": "objectives", "item": "o2", "done": True}
    response = put(api, f"/entretiens/{entretien.pk}/checklist", who, body)
    assert response.status_code == CONSULTANT[who], response.content
    ticked = EntretienChecklist.objects.filter(entretien=entretien, objectives_done=["o2"])
    assert ticked.exists() == (who == "consultant")
    if who == "consultant":
        assert response.json() == {
            "entretien_id": entretien.pk,
            "objectives_done": ["o2"],
            "closing_done": [],
        }
        body["done"] = False
        untick = put(api, f"/entretiens/{entretien.pk}/checklist", who, body)
        assert untick.json()["objectives_done"] == []


def test_an_unknown_checklist_item_is_422_in_french(api, cast):
    entretien = make_entretien(cast)
    body = {"section": "objectives", "item": "zz", "done": True}
    response = put(api, f"/entretiens/{entretien.pk}/checklist", "consultant", body)
    assert response.status_code == 422
    assert response.json()["detail"] == "Élément de liste inconnu pour cet entretien."
    assert not EntretienChecklist.objects.exists()


# ---- the guide editor -----------------------------------------------------------------------

# The organisation's admin edits; its consultants and beneficiaries are refused (403); another
# organisation's people do not see this guide (404).
ADMIN_ONLY = {
    "admin": 201,
    "consultant": 403,
    "colleague": 403,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 403,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize("who", ROLES)
def test_copy_default_guide_is_the_admins_act(api, cast, who):
    response = api.post("/guides", who, {})
    expected = {**ADMIN_ONLY, "outsider_admin": 201}[who]  # each admin copies for their own
    assert response.status_code == expected, response.content
    mine = InterviewGuide.objects.filter(organisation=getattr(cast, who).membership.organisation)
    assert mine.exists() == (expected == 201)
    if expected == 201:
        data = response.json()
        assert (data["version"], data["is_default"], data["is_current"]) == (1, False, True)
        assert len(data["interviews"]) == 10


def test_copying_twice_is_409_in_french(api, cast):
    api.post("/guides", "admin", {})
    response = api.post("/guides", "admin", {})
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "Votre organisme a déjà sa copie du guide : modifiez-la plutôt."
    )
    assert InterviewGuide.objects.filter(organisation=cast.org).count() == 1


def test_copy_default_guide_without_a_token_is_401(api):
    assert api.post("/guides", None, {}).status_code == 401


@pytest.fixture
def own(cast: SimpleNamespace) -> InterviewGuide:
    return guides.copy_default_guide(organisation=cast.org, acting_user=cast.admin)


@pytest.mark.parametrize("who", ROLES)
def test_add_guide_interview_is_the_admins_act(api, own, who):
    body = {"phase": "investigation", "title": "Entretien sur le réseau"}
    response = api.post(f"/guides/{own.pk}/interviews", who, body)
    assert response.status_code == ADMIN_ONLY[who], response.content
    versions = InterviewGuide.objects.filter(organisation=own.organisation).count()
    assert versions == (2 if who == "admin" else 1)
    if who == "admin":
        data = response.json()
        assert (data["version"], data["key"]) == (2, "sur-le-reseau")
        added = next(i for i in data["interviews"] if i["key"] == "sur-le-reseau")
        assert (added["phase"], added["title"]) == ("investigation", "Entretien sur le réseau")


def test_the_default_guide_is_not_edited_404(api, cast, own):
    default = guides.default_guide()
    body = {"phase": "investigation", "title": "Réseau"}
    assert api.post(f"/guides/{default.pk}/interviews", "admin", body).status_code == 404


def interview_body() -> dict[str, Any]:
    return {
        "title": "Accueil et premier contact",
        "objectives": [{"id": "o2", "text": "Présenter la démarche"}, {"text": "Un objectif neuf"}],
        "question_groups": [
            {
                "id": "g1",
                "title": "Sa demande",
                "questions": [
                    {"id": "g1-q2", "text": "Qu'attendez-vous ?"},
                    {"text": "Et après ?"},
                ],
            },
            {"title": "Un groupe neuf", "questions": [{"text": "Une question neuve"}]},
        ],
        "closing_items": [{"id": "c1", "text": "Fixer le prochain rendez-vous"}],
    }


@pytest.mark.parametrize("who", ROLES)
def test_edit_guide_interview_is_the_admins_act(api, own, who):
    response = put(api, f"/guides/{own.pk}/interviews/accueil", who, interview_body())
    assert response.status_code == {**ADMIN_ONLY, "admin": 200}[who], response.content
    current = guides.current_guide_for(own.organisation)
    assert (current.version == 2) == (who == "admin")
    if who == "admin":
        accueil = current.interview("accueil")
        assert [o["id"] for o in accueil["objectives"]] == ["o2", "o5"]  # kept; the next id
        assert [
            (g["id"], [q["id"] for q in g["questions"]]) for g in accueil["question_groups"]
        ] == [
            ("g1", ["g1-q2", "g1-q4"]),
            ("g4", ["g4-q1"]),
        ]
        assert accueil["closing_items"] == [{"id": "c1", "text": "Fixer le prochain rendez-vous"}]
        assert response.json()["key"] == "accueil"


def test_an_unknown_id_or_an_empty_text_is_422_and_makes_no_version(api, own):
    body = interview_body()
    body["objectives"] = [{"id": "o99", "text": "Inventé"}]
    response = put(api, f"/guides/{own.pk}/interviews/accueil", "admin", body)
    assert response.status_code == 422
    assert "Identifiant inconnu dans cet entretien : « o99 »" in response.json()["detail"]
    body["objectives"] = [{"id": "o1", "text": "   "}]
    assert put(api, f"/guides/{own.pk}/interviews/accueil", "admin", body).status_code == 422
    assert InterviewGuide.objects.filter(organisation=own.organisation).count() == 1


def test_editing_a_superseded_version_is_409_and_an_unknown_interview_404(api, own, cast):
    guides.edit_guide(
        own,
        acting_user=cast.admin,
        content=guides.remove_question(own.content, interview="accueil", question="g1-q1"),
    )
    response = put(api, f"/guides/{own.pk}/interviews/accueil", "admin", interview_body())
    assert response.status_code == 409
    assert "modifié entre-temps" in response.json()["detail"]
    current = guides.current_guide_for(own.organisation)
    assert (
        put(api, f"/guides/{current.pk}/interviews/nope", "admin", interview_body()).status_code
        == 404
    )
    assert Entretien.objects.count() == 0
