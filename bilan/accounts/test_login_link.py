"""Passwordless login by e-mail link, for beneficiaries only: one-time, 15 minutes, stored
hashed, a new request invalidates the older links, the same neutral answer for any address."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.accounts.models import LoginLink, digest_of

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
from types import SimpleNamespace

NEUTRAL = "Si cette adresse correspond à un compte de bénéficiaire"


def ask(client: Client, email: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("accounts:login_link_request"), {"email": email}, follow=True)


def link_in(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/connexion/lien/([\w-]+)/", str(message.body))
    assert found is not None
    return found.group(1)


def test_the_login_page_offers_the_link(db: None, client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:login_link_request") in page
    assert "Recevoir un lien de connexion par e-mail" in page


def test_a_beneficiary_receives_a_link_that_logs_them_in_once(
    cast: SimpleNamespace, client: Client
) -> None:
    response = ask(client, "BENEF@cap.test")
    assert NEUTRAL in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["benef@cap.test"]
    assert "15 minutes" in message.body
    token = link_in(message)
    assert not LoginLink.objects.filter(digest=token).exists()  # stored hashed
    assert LoginLink.objects.filter(digest=digest_of(token)).exists()
    url = reverse("accounts:login_link", args=[token])
    assert client.get(url).status_code == 200  # a confirmation page: a GET spends nothing
    response = client.post(url)
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.post(url).status_code == 410  # single use
    assert client.get(reverse("portal:home")).status_code == 302


@pytest.mark.parametrize(
    "email", ["consultante@cap.test", "admin@cap.test", "admin@horizon.test", "personne@nulle.part"]
)
def test_staff_and_unknown_addresses_get_the_same_answer_and_no_mail(
    cast: SimpleNamespace, client: Client, email: str
) -> None:
    response = ask(client, email)
    assert response.status_code == 200
    assert NEUTRAL in response.content.decode()
    assert mail.outbox == []
    assert not LoginLink.objects.filter(user__isnull=False).exists()
    # The decoy row written for the same work is spent from the start: it logs nobody in.
    assert not LoginLink.objects.filter(used_at__isnull=True).exists()


def test_an_inactive_beneficiary_gets_no_link(cast: SimpleNamespace, client: Client) -> None:
    cast.beneficiary.is_active = False
    cast.beneficiary.save()
    ask(client, "benef@cap.test")
    assert mail.outbox == []


def test_a_new_request_invalidates_the_older_link(cast: SimpleNamespace, client: Client) -> None:
    ask(client, "benef@cap.test")
    ask(client, "benef@cap.test")
    first, second = (link_in(m) for m in mail.outbox)
    assert client.post(reverse("accounts:login_link", args=[first])).status_code == 410
    assert client.post(reverse("accounts:login_link", args=[second])).status_code == 302


def test_a_link_expires_after_15_minutes(cast: SimpleNamespace, client: Client) -> None:
    ask(client, "benef@cap.test")
    token = link_in(mail.outbox[0])
    LoginLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    url = reverse("accounts:login_link", args=[token])
    assert client.get(url).status_code == 410
    assert client.post(url).status_code == 410
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_link_is_issued_for_15_minutes(cast: SimpleNamespace) -> None:
    LoginLink.issue(cast.beneficiary)
    link = LoginLink.objects.get()
    assert link.expires_at - link.created_at == dt.timedelta(minutes=15)


def test_an_unknown_token_is_refused(db: None, client: Client) -> None:
    assert client.post(reverse("accounts:login_link", args=["nimportequoi"])).status_code == 410


def test_a_bad_address_gets_a_french_message(db: None, client: Client) -> None:
    response = client.post(reverse("accounts:login_link_request"), {"email": "pas-une-adresse"})
    assert response.status_code == 422
    assert "adresse" in response.content.decode().lower()
