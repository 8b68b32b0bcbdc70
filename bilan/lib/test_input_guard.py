"""Hostile input never gives a 5xx and saves nothing: NUL and lone surrogates in any text (web
forms and API, on SQLite and PostgreSQL alike), impossible dates, times and numbers."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bilan.accounts.models import ApiToken
from bilan.entretiens.models import Entretien, EntretienNote
from bilan.exchanges.models import JournalEntry, Message
from bilan.lib.input_guard import strings
from bilan.lib.text import is_storable

HOSTILE = st.sampled_from(["\x00", "\ud800", "\udfff", "a\x00b", "x\udc00y"])
TEXT = st.one_of(HOSTILE, st.text(max_size=20))
# A form body is UTF-8: a lone surrogate cannot be encoded in it (Django decodes with
# replacement), so web forms get NUL and any encodable text.
FORM_TEXT = st.one_of(
    st.sampled_from(["\x00", "a\x00b"]), st.text(st.characters(codec="utf-8"), max_size=20)
)
DATE = st.sampled_from(["0000-00-00", "2027-13-01", "9999-12-31", "0001-01-01", "", "x"])
TIME = st.sampled_from(["24:00", "23:60", "-1:00", "02:30", ""])
NUMBER = st.sampled_from(["NaN", "1e308", "-1", "inf", "99999999999999999999999", "0"])
EXAMPLES = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def counts() -> tuple[int, ...]:
    return (
        Message.objects.count(),
        JournalEntry.objects.count(),
        EntretienNote.objects.count(),
        Entretien.objects.count(),
    )


def test_text_with_nul_or_a_lone_surrogate_is_not_storable():
    assert not is_storable("a\x00") and not is_storable("\ud800")
    assert is_storable("Émilie 😀 « ok »")
    assert list(strings({"k\x00": ["v", {"w": 1}]})) == ["k\x00", "v", "w"]


@EXAMPLES
@given(text=FORM_TEXT, title=FORM_TEXT)
def test_messages_and_journal_from_the_web_never_fail(cast, text, title):
    client = Client(raise_request_exception=False)
    client.force_login(cast.beneficiary)
    before = counts()
    for name in ("exchanges:thread", "exchanges:journal"):
        response = client.post(reverse(name, args=[cast.bilan.pk]), {"text": text, "title": title})
        assert response.status_code < 500
    if not (is_storable(text) and is_storable(title)):
        assert counts() == before


@EXAMPLES
@given(text=FORM_TEXT, base_version=st.sampled_from(["0", "99999999999999999999", "-5", "x"]))
def test_web_notes_never_fail(cast, text, base_version):
    entretien = Entretien.objects.filter(bilan=cast.bilan).first() or Entretien.objects.create(
        bilan=cast.bilan,
        phase="preliminary",
        starts_at="2026-01-05T10:00:00+01:00",
        planned_minutes=60,
    )
    client = Client(raise_request_exception=False)
    client.force_login(cast.consultant)
    before = counts()
    response = client.post(
        reverse("entretiens:note", args=[entretien.pk, "free"]),
        {"text": text, "base_version": base_version},
    )
    assert response.status_code < 500
    if not is_storable(text):
        assert counts() == before


@EXAMPLES
@given(date=DATE, time=TIME, duration=NUMBER, place=FORM_TEXT)
def test_the_web_scheduling_form_never_fails(cast, date, time, duration, place):
    client = Client(raise_request_exception=False)
    client.force_login(cast.consultant)
    before = counts()
    response = client.post(
        reverse("entretiens:schedule", args=[cast.bilan.pk]),
        {"date": date, "time": time, "duration": duration, "modality": "in_person", "place": place},
    )
    assert response.status_code < 500
    assert counts() == before  # none of these is a valid booking


@EXAMPLES
@given(text=TEXT, starts_at=TEXT | st.sampled_from(["9999-12-31T23:30:00Z", "0000-01-01"]))
def test_the_api_never_fails_on_hostile_text(cast, text, starts_at):
    client = Client(raise_request_exception=False)
    token = ApiToken.issue(cast.consultant)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    before = counts()
    calls = [
        (f"/api/v1/bilans/{cast.bilan.pk}/messages", {"text": text}),
        (f"/api/v1/bilans/{cast.bilan.pk}/experiences", {"title": text, "start": starts_at}),
        (
            f"/api/v1/bilans/{cast.bilan.pk}/entretiens",
            {"starts_at": starts_at, "planned_minutes": 60, "modality": "phone", "title": text},
        ),
    ]
    for path, body in calls:
        response = client.post(
            path, data=json.dumps(body), content_type="application/json", **headers
        )
        assert response.status_code < 500, (path, body, response.content[:300])
    if not is_storable(text):
        assert counts() == before


@pytest.mark.parametrize("body", ['{"text": "a\\u0000b"}', '{"text": "\\ud800"}'])
def test_the_api_refuses_nul_and_lone_surrogates_with_a_french_422(cast, body):
    token = ApiToken.issue(cast.beneficiary)
    response = Client().post(
        f"/api/v1/bilans/{cast.bilan.pk}/journal",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "caractère invalide" in response.json()["detail"]
    assert not JournalEntry.objects.exists()


def test_a_web_form_with_a_nul_gets_a_french_400_and_saves_nothing(cast, client):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("exchanges:thread", args=[cast.bilan.pk]), {"text": "a\x00"})
    assert response.status_code == 400
    assert "caractère invalide" in response.content.decode()
    assert not Message.objects.exists()
