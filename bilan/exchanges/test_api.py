"""API v1, journal de bord and messages: list_journal_entries, create_journal_entry,
list_messages and post_message, for every role; French error bodies; audit."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.assignments import assign_work
from bilan.entretiens.models import AssignmentKind
from bilan.exchanges.journal import write_entry
from bilan.exchanges.messaging import post_message, unread_count
from bilan.exchanges.models import JournalEntry, Message


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def journal(bilan) -> str:
    return f"/bilans/{bilan.pk}/journal"


def thread(bilan) -> str:
    return f"/bilans/{bilan.pk}/messages"


OTHERS_404 = {
    "colleague": 404,
    "other_beneficiary": 404,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 404,
}
LIST_JOURNAL = {"beneficiary": 200, "consultant": 200, "admin": 403, **OTHERS_404}
CREATE_JOURNAL = {"beneficiary": 201, "consultant": 403, "admin": 403, **OTHERS_404}
LIST_MESSAGES = {"beneficiary": 200, "consultant": 200, "admin": 403, **OTHERS_404}
POST_MESSAGE = {"beneficiary": 201, "consultant": 201, "admin": 403, **OTHERS_404}


@pytest.mark.parametrize("who", ROLES)
def test_the_journal_is_listed_by_the_beneficiary_and_the_assigned_consultant_only(api, cast, who):
    write_entry(bilan=cast.bilan, by=cast.beneficiary, text="Partagée", shared=True)
    response = api.get(journal(cast.bilan), who)
    assert response.status_code == LIST_JOURNAL[who], response.json()
    if response.status_code != 200:
        assert response.json()["detail"]


@pytest.mark.parametrize("who", ROLES)
def test_only_the_beneficiary_writes_a_journal_entry(api, cast, who):
    response = api.post(journal(cast.bilan), who, {"text": "Ma journée"})
    assert response.status_code == CREATE_JOURNAL[who], response.json()
    assert JournalEntry.objects.count() == (1 if who == "beneficiary" else 0)


@pytest.mark.parametrize("who", ROLES)
def test_the_thread_is_listed_by_the_beneficiary_and_the_assigned_consultant_only(api, cast, who):
    post_message(bilan=cast.bilan, by=cast.beneficiary, text="Bonjour")
    response = api.get(thread(cast.bilan), who)
    assert response.status_code == LIST_MESSAGES[who], response.json()


@pytest.mark.parametrize("who", ROLES)
def test_the_beneficiary_and_the_assigned_consultant_post_messages_others_cannot(api, cast, who):
    response = api.post(thread(cast.bilan), who, {"text": "Bonjour"})
    assert response.status_code == POST_MESSAGE[who], response.json()
    assert Message.objects.count() == (1 if POST_MESSAGE[who] == 201 else 0)


@pytest.mark.parametrize(
    "method,path", [("get", journal), ("post", journal), ("get", thread), ("post", thread)]
)
def test_every_operation_needs_a_token(api, cast, method, path):
    call = api.get if method == "get" else lambda p, w: api.post(p, w, {"text": "x"})
    for who in (None, "bad_token"):
        response = call(path(cast.bilan), who)
        assert response.status_code == 401
        assert "Authentification requise" in response.json()["detail"]


def test_an_entry_is_private_by_default_and_the_consultant_lists_only_shared_ones(api, cast):
    private = api.post(journal(cast.bilan), "beneficiary", {"title": "À moi", "text": "Secret"})
    assert private.status_code == 201 and private.json()["shared"] is False
    shared = api.post(
        journal(cast.bilan), "beneficiary", {"text": "Pour ma consultante", "shared": True}
    ).json()
    assert shared["shared"] is True and shared["entry_date"] == timezone.localdate().isoformat()
    assert len(api.get(journal(cast.bilan), "beneficiary").json()) == 2
    listed = api.get(journal(cast.bilan), "consultant").json()
    assert [e["text"] for e in listed] == ["Pour ma consultante"]
    events = AuditEvent.objects.filter(object_type="exchanges.JournalEntry")
    assert [(e.actor_id, e.channel) for e in events] == [(cast.consultant.pk, "api")]


@pytest.mark.parametrize(
    "body,detail",
    [
        ({"text": ""}, "Écrivez le texte de votre entrée."),
        ({"text": "x" * 20001}, "Votre texte fait 20001 caractères : 20000 au plus."),
        (
            {"text": "x", "entry_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
            "La date de l'entrée est dans le futur",
        ),
    ],
)
def test_a_bad_journal_entry_gets_422_in_french(api, cast, body, detail):
    response = api.post(journal(cast.bilan), "beneficiary", body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert not JournalEntry.objects.exists()


def test_a_malformed_date_gets_422_naming_the_field(api, cast):
    response = api.post(journal(cast.bilan), "beneficiary", {"text": "x", "entry_date": "hier"})
    assert response.status_code == 422
    assert "body.payload.entry_date" in response.json()["detail"]


def test_messages_are_listed_oldest_first_audited_and_marked_read(api, cast):
    api.post(thread(cast.bilan), "beneficiary", {"text": "Première"})
    api.post(thread(cast.bilan), "consultant", {"text": "Réponse"})
    assert unread_count(cast.consultant) == 1 and unread_count(cast.beneficiary) == 1
    data = api.get(thread(cast.bilan), "beneficiary").json()
    assert [(m["text"], m["unread"]) for m in data] == [("Première", False), ("Réponse", True)]
    assert (
        data[0]["author_id"] == cast.beneficiary.pk and data[1]["author_name"] == "Claire Conseil"
    )
    assert unread_count(cast.beneficiary) == 0
    assert not AuditEvent.objects.exists()
    api.get(thread(cast.bilan), "consultant")
    events = AuditEvent.objects.filter(object_type="exchanges.Message")
    assert events.count() == 2 and {e.channel for e in events} == {"api"}


@pytest.mark.parametrize(
    "body,detail",
    [
        ({"text": "   "}, "Écrivez votre message avant de l'envoyer."),
        ({"text": "x" * 10001}, "Votre message fait 10001 caractères : 10000 au plus."),
        ({"text": "x", "question": "Q1"}, "Une question se commente sur un travail"),
    ],
)
def test_a_bad_message_gets_422_in_french(api, cast, body, detail):
    response = api.post(thread(cast.bilan), "beneficiary", body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_message_comments_a_question_of_an_assignment_and_filters_by_it(api, cast):
    advance_to(cast.bilan, Status.PRELIMINARY)
    cast.bilan.plan_hours(by=cast.consultant, accompaniment_minutes=20 * 60, personal_minutes=120)
    work = assign_work(
        bilan=cast.bilan,
        by=cast.consultant,
        title="Mes valeurs",
        instructions="",
        kind=AssignmentKind.REFLECTION,
        estimated_minutes=30,
        due_on=timezone.localdate(),
    )
    api.post(thread(cast.bilan), "beneficiary", {"text": "Hors sujet"})
    response = api.post(
        thread(cast.bilan),
        "beneficiary",
        {"text": "Que mettre ici ?", "assignment_id": work.pk, "question": "Question 2"},
    )
    assert response.status_code == 201
    assert (response.json()["assignment_id"], response.json()["question"]) == (
        work.pk,
        "Question 2",
    )
    filtered = api.get(f"{thread(cast.bilan)}?assignment_id={work.pk}", "consultant").json()
    assert [m["text"] for m in filtered] == ["Que mettre ici ?"]


def test_an_assignment_of_another_bilan_gets_422(api, cast):
    advance_to(cast.other_bilan, Status.PRELIMINARY)
    cast.other_bilan.plan_hours(
        by=cast.colleague, accompaniment_minutes=20 * 60, personal_minutes=120
    )
    work = assign_work(
        bilan=cast.other_bilan,
        by=cast.colleague,
        title="Pas le vôtre",
        instructions="",
        kind=AssignmentKind.OTHER,
        estimated_minutes=30,
        due_on=timezone.localdate(),
    )
    response = api.post(thread(cast.bilan), "beneficiary", {"text": "x", "assignment_id": work.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == "Ce travail n'appartient pas à ce bilan."
    response = api.get(f"{thread(cast.bilan)}?assignment_id={work.pk}", "beneficiary")
    assert response.status_code == 422


def test_the_operations_are_in_the_openapi_schema(api, cast):
    schema = api.client.get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: op for path in schema["paths"].values() for op in path.values()
    }
    for name in ("list_journal_entries", "create_journal_entry", "list_messages", "post_message"):
        assert name in operations
        assert {"401", "403", "404", "422"} <= set(operations[name]["responses"])
