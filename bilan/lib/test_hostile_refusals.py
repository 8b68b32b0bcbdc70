"""Hostile input (issue 11, item 17): a NUL byte, a lone surrogate, a huge number or an
impossible date never gives a 5xx. Each is refused with a French message (the form shown
again with what was typed, or the API's `{"detail": …}`) and saves nothing.

On SQLite a NUL is stored (and the dump then fails to load into PostgreSQL); on PostgreSQL it
is a 500: the tests assert the refusal, which does not depend on the database."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import User
from bilan.api.test_api import Api
from bilan.bilans.models import Phase, Status
from bilan.careers.interests import ranking_from_positions
from bilan.demo.scenario import advance_to
from bilan.documents import synthese as synthese_service
from bilan.entretiens.models import Entretien, EntretienNote
from bilan.exchanges.forms import MessageForm
from bilan.exchanges.models import JournalEntry, Message
from bilan.lib.text import unstorable_reason
from bilan.organisations.models import validate_siret

REFUSED = "caractère invalide"
NUL = "Bonjour\x00 madame"
SURROGATE = "Bonjour \ud800 madame"


def counts() -> tuple[int, ...]:
    return (
        Message.objects.count(),
        JournalEntry.objects.count(),
        EntretienNote.objects.count(),
        Entretien.objects.count(),
    )


def planned_entretien(cast: SimpleNamespace) -> Entretien:
    advance_to(cast.bilan, Status.PRELIMINARY)
    return Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        planned_minutes=90,
    )


# ---- the one check ------------------------------------------------------------------------


def test_nul_and_lone_surrogates_are_unstorable_and_ordinary_text_is_not() -> None:
    reason = unstorable_reason("a\x00b")
    assert reason and REFUSED in reason
    assert unstorable_reason("\ud800") and unstorable_reason("x\udfffy")
    assert unstorable_reason({"projet": ["ok", "\x00"]})  # strings inside JSON values
    for fine in ("", "Émilie 😀 « ok » \u202e\t\n", {"a": ["b", 1, None]}, 12, None):
        assert unstorable_reason(fine) is None


# ---- (a) NUL in a message, a note, a journal entry, a synthèse field ----------------------


def test_a_nul_in_a_message_is_refused_on_the_staff_and_portal_pages_keeping_the_text(
    cast: SimpleNamespace,
) -> None:
    for who, url in (
        (cast.consultant, reverse("exchanges:thread", args=[cast.bilan.pk])),
        (cast.beneficiary, reverse("portal:messages_bilan", args=[cast.bilan.pk])),
    ):
        client = Client()
        client.force_login(who)
        response = client.post(url, {"text": NUL})
        assert response.status_code == 422
        html = response.content.decode()
        assert REFUSED in html and "Bonjour" in html and "madame" in html
    assert not Message.objects.exists()


@pytest.mark.parametrize("text", [NUL, SURROGATE])
def test_the_api_refuses_nul_or_a_lone_surrogate_in_a_message_with_a_french_422(
    cast: SimpleNamespace, text: str
) -> None:
    response = Api(cast).post(f"/bilans/{cast.bilan.pk}/messages", "beneficiary", {"text": text})
    assert response.status_code == 422
    assert REFUSED in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_nul_in_a_journal_entry_is_refused_and_the_form_keeps_it(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:journal_new"),
        {"entry_date": timezone.localdate().isoformat(), "title": "Titre", "text": NUL},
    )
    assert response.status_code in (200, 422)
    html = response.content.decode()
    assert REFUSED in html and "madame" in html
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("field", ["text", "title"])
@pytest.mark.parametrize("value", [NUL, SURROGATE])
def test_the_api_refuses_nul_or_a_lone_surrogate_in_the_journal(
    cast: SimpleNamespace, field: str, value: str
) -> None:
    body = {"text": "Mon entrée", "title": "", field: value}
    response = Api(cast).post(f"/bilans/{cast.bilan.pk}/journal", "beneficiary", body)
    assert response.status_code == 422
    assert REFUSED in response.json()["detail"]
    assert not JournalEntry.objects.exists()


@pytest.mark.parametrize("autosave", [True, False])
def test_a_nul_in_a_note_is_refused_by_the_web_autosave_and_form(
    cast: SimpleNamespace, client: Client, autosave: bool
) -> None:
    entretien = planned_entretien(cast)
    client.force_login(cast.consultant)
    headers = {"X-Autosave": "1"} if autosave else {}
    response = client.post(
        reverse("entretiens:note", args=[entretien.pk, "free"]),
        {"text": NUL, "base_version": "0"},
        headers=headers,
    )
    assert response.status_code == 422
    assert REFUSED in response.content.decode()
    if not autosave:
        assert "madame" in response.content.decode()  # the page keeps what was typed
    assert not EntretienNote.objects.exists()


@pytest.mark.parametrize("text", [NUL, SURROGATE])
def test_the_notes_api_refuses_nul_or_a_lone_surrogate(cast: SimpleNamespace, text: str) -> None:
    entretien = planned_entretien(cast)
    api = Api(cast)
    response = api.client.put(
        f"/api/v1/entretiens/{entretien.pk}/notes/free",
        data=json.dumps({"text": text, "base_version": 0}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens['consultant']}"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert REFUSED in detail or "text" in detail  # pydantic refuses a surrogate first
    assert not EntretienNote.objects.exists()


def test_a_synthese_field_never_stores_a_nul_or_a_lone_surrogate(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.CONCLUSIONS)
    synthese = synthese_service.start_synthese(
        bilan=cast.bilan, by=cast.consultant, prefilled=False
    )
    client = Client()
    client.force_login(cast.consultant)
    save = reverse("documents:synthese_save", args=[cast.bilan.pk])
    # Pasted text is sanitised on save (invisible controls, NUL included, are removed).
    response = client.post(save, {"section-projet": NUL, "base_number": "1"})
    assert response.status_code < 500
    stored = synthese.latest().sections.get("projet", "")
    assert unstorable_reason(stored) is None and "madame" in stored
    api = Api(cast)
    response = api.client.put(
        f"/api/v1/bilans/{cast.bilan.pk}/synthese",
        data=json.dumps({"sections": {"projet": SURROGATE}}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens['consultant']}"},
    )
    assert response.status_code == 422
    assert REFUSED in str(response.json())
    assert unstorable_reason(synthese.latest().sections) is None


# ---- (b) a lone surrogate in JSON and in form posts ---------------------------------------


def test_a_lone_surrogate_cannot_reach_a_form_post_and_invalid_utf8_gives_no_5xx(
    cast: SimpleNamespace,
) -> None:
    """A form body is bytes: a lone surrogate cannot be encoded in it, and the bytes that would
    carry it (ED A0 80) are invalid UTF-8, which Django decodes with replacement characters."""
    client = Client(raise_request_exception=False)
    client.force_login(cast.beneficiary)
    response = client.post(
        reverse("portal:messages_bilan", args=[cast.bilan.pk]),
        data=b"text=Bonjour+%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    for message in Message.objects.all():
        assert unstorable_reason(message.text) is None


def test_a_form_given_a_lone_surrogate_refuses_it_in_french() -> None:
    form = MessageForm({"text": SURROGATE})
    assert not form.is_valid()
    assert REFUSED in " ".join(str(error) for error in form.errors["text"])
    nul = MessageForm({"text": NUL})
    assert not nul.is_valid() and len(nul.errors["text"]) == 1  # one message, not two


@pytest.mark.parametrize("value", [NUL, SURROGATE])
def test_the_api_string_type_refuses_nul_and_lone_surrogates_in_french(
    cast: SimpleNamespace, value: str
) -> None:
    body = {
        "email": "nouvelle@cap.test",
        "first_name": value,
        "last_name": "Durand",
        "situation": "employee",
        "funding_route": "cpf",
        "format": "in_person",
    }
    response = Api(cast).post("/bilans", "consultant", body)
    assert response.status_code == 422
    payload = response.json()
    assert "first_name" in payload["detail"] and REFUSED in payload["errors"][0]["msg"]
    assert not User.objects.filter(email="nouvelle@cap.test").exists()


def test_any_other_api_text_with_a_lone_surrogate_is_a_422_naming_the_field(
    cast: SimpleNamespace,
) -> None:
    advance_to(cast.bilan, Status.INVESTIGATION)
    response = Api(cast).post(
        f"/bilans/{cast.bilan.pk}/experiences",
        "beneficiary",
        {"kind": "job", "title": SURROGATE, "place": "ACME", "start": "2020-01"},
    )
    assert response.status_code == 422, response.content
    assert "title" in response.json()["detail"]


# ---- (c) a huge base_version on the web note form -----------------------------------------


@pytest.mark.parametrize("base_version", [str(10**30), "-1", "x", "²", str(2**31)])
def test_an_absurd_base_version_on_the_web_note_form_is_refused_in_french(
    cast: SimpleNamespace, client: Client, base_version: str
) -> None:
    entretien = planned_entretien(cast)
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:note", args=[entretien.pk, "free"]),
        {"text": "Texte tapé à garder", "base_version": base_version},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Version de départ invalide" in html and "Texte tapé à garder" in html
    assert not EntretienNote.objects.exists()


# ---- (d) the web scheduling form with impossible dates, times and durations ---------------

SCHEDULE = {
    "interview": "",
    "title": "",
    "date": (dt.date.today() + dt.timedelta(days=10)).isoformat(),
    "time": "10:00",
    "duration": "1",
    "modality": "in_person",
    "place": "Salle des Tilleuls",
}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date", "0000-00-00", "Saisissez une date valide"),
        ("date", "2027-13-01", "Saisissez une date valide"),
        ("time", "24:00", "Saisissez une heure valide"),
        ("duration", "NaN", "Saisissez un nombre"),
        ("duration", "inf", "Saisissez un nombre"),
        ("duration", "-inf", "Saisissez un nombre"),
        ("duration", "1e308", "Indiquez au plus 12 h."),
        ("duration", "-1", "Indiquez au moins 0,25 h."),
        ("duration", "0", "Indiquez au moins 0,25 h."),
    ],
)
def test_the_web_scheduling_form_refuses_impossible_values_keeping_what_was_typed(
    cast: SimpleNamespace, field: str, value: str, message: str
) -> None:
    advance_to(cast.bilan, Status.PRELIMINARY)
    before = counts()
    client = Client(raise_request_exception=False)
    client.force_login(cast.consultant)
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]), {**SCHEDULE, field: value}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{value}"' in html and 'value="Salle des Tilleuls"' in html
    assert counts() == before


# ---- digits int() does not read (« ² » is a digit for str.isdigit) ---------------------------


def test_superscript_digits_in_numbers_and_ids_give_no_5xx(cast: SimpleNamespace) -> None:
    from django.core.exceptions import ValidationError

    advance_to(cast.bilan, Status.CONCLUSIONS)
    synthese_service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    client = Client(raise_request_exception=False)
    client.force_login(cast.consultant)
    page = client.get(reverse("documents:synthese", args=[cast.bilan.pk]), {"version": "²"})
    assert page.status_code == 200
    save = client.post(
        reverse("documents:synthese_save", args=[cast.bilan.pk]),
        {"section-projet": "Projet", "base_number": "²"},
    )
    assert save.status_code < 500
    with pytest.raises(ValidationError):
        validate_siret("²" * 14)
    with pytest.raises(ValidationError):
        ranking_from_positions({1: "²"})


def test_a_nul_in_a_fiche_code_of_the_url_is_a_404(cast: SimpleNamespace) -> None:
    """The code was looked up among the saved fiches first: PostgreSQL answered a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(cast.beneficiary)
    assert client.get("/espace/metiers/fiche/A%0012/").status_code == 404
    assert client.post("/espace/metiers/fiche/A%0012/", {"attracts": "x"}).status_code == 404
