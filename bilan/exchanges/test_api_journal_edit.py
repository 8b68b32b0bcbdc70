"""API v1, update_journal_entry: the journal entry page's « Modifier » through
exchanges.journal.edit_entry — its writer only (404 for anyone else), French refusals, a
refused call changes nothing."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import Bilan, Status
from bilan.demo.scenario import advance_to
from bilan.exchanges.journal import write_entry
from bilan.exchanges.models import JournalEntry


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture
def entry(cast: SimpleNamespace) -> JournalEntry:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return write_entry(bilan=cast.bilan, by=cast.beneficiary, title="Jour 1", text="Une idée.")


def put(api: Api, path: str, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **api.headers(who)
    )


EDIT = {"entry_date": "2026-01-15", "title": "Jour 2", "text": "Une autre idée."}


@pytest.mark.parametrize("who", ROLES)
def test_update_journal_entry_is_its_writers_act(api, entry, who):
    response = put(api, f"/journal/{entry.pk}", who, EDIT)
    # An entry is its writer's: nobody else learns that it exists, not even the consultant.
    assert response.status_code == (200 if who == "beneficiary" else 404), response.content
    entry.refresh_from_db()
    assert (entry.title == "Jour 2") == (who == "beneficiary")
    if who == "beneficiary":
        data = response.json()
        assert (data["title"], data["text"], data["entry_date"]) == (
            "Jour 2",
            "Une autre idée.",
            "2026-01-15",
        )
        assert data["shared"] is False  # sharing is not this act's
    else:
        assert response.json() == {"detail": "Ressource introuvable."}


def test_update_journal_entry_without_a_token_is_401(api, entry):
    assert put(api, f"/journal/{entry.pk}", None, EDIT).status_code == 401


def test_an_empty_text_is_refused_and_the_entry_kept(api, entry):
    response = put(api, f"/journal/{entry.pk}", "beneficiary", {**EDIT, "text": "  "})
    assert response.status_code == 422
    assert response.json()["detail"]
    entry.refresh_from_db()
    assert (entry.title, entry.text) == ("Jour 1", "Une idée.")


def test_an_archived_bilans_journal_is_409(api, cast, entry):
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.ARCHIVED)
    response = put(api, f"/journal/{entry.pk}", "beneficiary", EDIT)
    assert response.status_code == 409
    assert "son journal de bord ne change plus" in response.json()["detail"]
    entry.refresh_from_db()
    assert entry.title == "Jour 1"
