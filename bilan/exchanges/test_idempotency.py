"""Idempotent message posting: a retry with the same key (API header, the page form's hidden
field) gets the first message back and posts nothing; the key is stored on the row."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.db import IntegrityError
from django.urls import reverse

from bilan.api.test_api import Api
from bilan.bilans.models import RuleViolation
from bilan.exchanges import messaging
from bilan.exchanges.messaging import post_message
from bilan.exchanges.models import Message

KEY = "3f1c2a9e-7b5d-4c1e-9a0b-2d8e6f4a1c3b"


@pytest.fixture
def api(cast) -> Api:
    return Api(cast)


def post(api: Api, cast, body: dict[str, Any], key: str | None = KEY, who: str = "beneficiary"):
    headers = api.headers(who)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/messages",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_two_posts_with_one_key_make_one_message_and_the_same_answer(api, cast):
    first = post(api, cast, {"text": "Bonjour"})
    again = post(api, cast, {"text": "Bonjour"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    message = Message.objects.get()
    assert (message.idempotency_key, message.author) == (KEY, cast.beneficiary)


def test_without_a_key_two_posts_are_two_messages(api, cast):
    post(api, cast, {"text": "Bonjour"}, key=None)
    post(api, cast, {"text": "Bonjour"}, key=None)
    assert Message.objects.count() == 2


def test_the_same_key_for_another_message_is_refused_and_saves_nothing(api, cast):
    post(api, cast, {"text": "Bonjour"})
    response = post(api, cast, {"text": "Autre chose"})
    assert response.status_code == 422
    assert "déjà servi pour un autre message" in response.json()["detail"]
    assert list(Message.objects.values_list("text", flat=True)) == ["Bonjour"]


def test_keys_are_per_author(api, cast):
    post_message(bilan=cast.other_bilan, by=cast.colleague, text="Bonjour", idempotency_key=KEY)
    assert post(api, cast, {"text": "Bonjour"}, who="consultant").status_code == 201
    assert Message.objects.count() == 2


def test_the_same_key_on_another_thread_is_refused(cast):
    first = post_message(
        bilan=cast.other_bilan, by=cast.colleague, text="Salut", idempotency_key=KEY
    )
    Message.objects.filter(pk=first.pk).update(bilan=cast.bilan)  # as if on another thread
    with pytest.raises(RuleViolation, match="déjà servi"):
        post_message(bilan=cast.other_bilan, by=cast.colleague, text="Salut", idempotency_key=KEY)
    assert Message.objects.count() == 1


def test_a_key_older_than_24_hours_is_refused_not_replayed(api, cast):
    post(api, cast, {"text": "Bonjour"})
    Message.objects.update(created_at=Message.objects.get().created_at - dt.timedelta(hours=25))
    response = post(api, cast, {"text": "Bonjour"})
    assert response.status_code == 422
    assert "expiré" in response.json()["detail"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize("key", ["x" * 201, "clé-accentuée", "tab\there"])
def test_a_key_too_long_or_not_printable_ascii_gets_422(api, cast, key):
    response = post(api, cast, {"text": "Bonjour"}, key=key)
    assert response.status_code == 422, response.content
    assert not Message.objects.exists()


def test_the_database_refuses_a_second_row_with_the_same_author_and_key(cast):
    post_message(bilan=cast.bilan, by=cast.beneficiary, text="Bonjour", idempotency_key=KEY)
    with pytest.raises(IntegrityError):
        Message.objects.create(
            bilan=cast.bilan, author=cast.beneficiary, text="Bis", idempotency_key=KEY
        )


def test_a_retry_that_loses_the_race_on_the_constraint_gets_the_first_message(cast, monkeypatch):
    # The concurrent winner's row appears between the lookup and the insert.

    real_replay = messaging._replay
    calls = []

    def replay_after_the_winner(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            Message.objects.create(
                bilan=cast.bilan, author=cast.beneficiary, text="Bonjour", idempotency_key=KEY
            )
            return None
        return real_replay(**kwargs)

    monkeypatch.setattr(messaging, "_replay", replay_after_the_winner)
    message = post_message(
        bilan=cast.bilan, by=cast.beneficiary, text="Bonjour", idempotency_key=KEY
    )
    assert message.replayed
    assert Message.objects.count() == 1


def test_the_openapi_schema_documents_the_header(api):
    spec = api.client.get("/api/v1/openapi.json").json()
    op = spec["paths"]["/api/v1/bilans/{bilan_id}/messages"]["post"]
    [header] = [p for p in op["parameters"] if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False


# ---- the page form ---------------------------------------------------------------------------


def form_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def test_a_double_submit_of_the_page_form_posts_once(cast, client):
    client.force_login(cast.beneficiary)
    url = reverse("portal:messages_bilan", args=[cast.bilan.pk])
    key = form_key(client.get(url).content.decode())
    data = {"text": "Envoyé deux fois", "idempotency_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Message.objects.count() == 1
    assert form_key(client.get(url).content.decode()) != key  # a new form, a new key


def test_a_refused_page_post_shows_the_form_again_with_a_new_key(cast, client):
    client.force_login(cast.beneficiary)
    url = reverse("portal:messages_bilan", args=[cast.bilan.pk])
    post_message(bilan=cast.bilan, by=cast.beneficiary, text="Premier", idempotency_key=KEY)
    response = client.post(url, {"text": "Second", "idempotency_key": KEY})
    assert response.status_code == 422
    assert "Second" in response.content.decode()
    new = form_key(response.content.decode())
    assert new != KEY
    assert client.post(url, {"text": "Second", "idempotency_key": new}).status_code == 302
    assert Message.objects.count() == 2
