"""Login throttling (axes): 5 wrong passwords per account or per client address, then a French
page saying when to retry; login-link and reset e-mails capped per address; the same work
for known and unknown addresses."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import mail
from django.db import connection
from django.http import HttpRequest
from django.template import Template
from django.test import Client
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bilan.lib.testing import PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

LOGIN = reverse("accounts:login")
NEUTRAL = "Si cette adresse correspond à un compte de bénéficiaire"


def attempt(
    client: Client, email: str, password: str, ip: str = "10.0.0.1"
) -> _MonkeyPatchedWSGIResponse:
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_the_sixth_attempt_on_one_account_is_refused_with_a_french_page(
    cast: SimpleNamespace, client: Client
) -> None:
    for i in range(4):  # from several addresses: the account itself is counted
        response = attempt(client, "consultante@cap.test", "mauvais", ip=f"10.0.0.{i + 1}")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()
    assert attempt(client, "consultante@cap.test", "mauvais", ip="10.0.0.5").status_code == 429
    response = attempt(client, "consultante@cap.test", PASSWORD, ip="10.0.0.9")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives de connexion" in page and "Réessayez dans 15 minutes." in page
    assert client.get(reverse("home")).status_code == 302  # even the right password waits


def test_one_address_trying_many_accounts_is_locked_too(
    cast: SimpleNamespace, client: Client
) -> None:
    for email in ["a@cap.test", "b@cap.test", "c@cap.test", "d@cap.test", "e@cap.test"]:
        attempt(client, email, "mauvais", ip="10.9.9.9")
    assert attempt(client, "benef@cap.test", PASSWORD, ip="10.9.9.9").status_code == 429
    assert attempt(client, "benef@cap.test", PASSWORD, ip="10.1.1.1").status_code == 302


def test_at_most_five_passwords_are_checked_for_one_account_in_its_cool_off(
    cast: SimpleNamespace, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    check = ModelBackend.authenticate

    def counting(
        self: ModelBackend, request: HttpRequest | None, **credentials: Any
    ) -> AbstractBaseUser | None:
        checked.append(credentials.get("username"))
        return check(self, request, **credentials)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    for i in range(60):  # an attacker's minute, each try from another address
        attempt(client, "admin@cap.test", f"essai-{i}", ip=f"10.2.0.{i + 1}")
    assert len(checked) == 5


def test_a_success_resets_the_count(cast: SimpleNamespace, client: Client) -> None:
    for _ in range(4):
        attempt(client, "consultante@cap.test", "mauvais")
    assert attempt(client, "consultante@cap.test", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        attempt(client, "consultante@cap.test", "mauvais")
    assert attempt(client, "consultante@cap.test", PASSWORD).status_code == 302


def test_the_address_is_counted_whatever_its_case(cast: SimpleNamespace, client: Client) -> None:
    for i in range(5):
        attempt(
            client, "Consultante@CAP.test" if i % 2 else "consultante@cap.test", "x", f"10.3.0.{i}"
        )
    assert attempt(client, "consultante@cap.test", PASSWORD, "10.3.0.9").status_code == 429


def test_login_link_emails_are_capped_at_three_per_address_with_the_same_answer(
    cast: SimpleNamespace, client: Client
) -> None:
    url = reverse("accounts:login_link_request")
    pages = [client.post(url, {"email": "benef@cap.test"}, follow=True) for _ in range(5)]
    assert len(mail.outbox) == 3
    assert all(p.status_code == 200 and NEUTRAL in p.content.decode() for p in pages)


def test_reset_emails_are_capped_at_three_per_address_with_the_same_answer(
    cast: SimpleNamespace, client: Client
) -> None:
    url = reverse("accounts:reset")
    pages = [client.post(url, {"email": "consultante@cap.test"}, follow=True) for _ in range(4)]
    assert len(mail.outbox) == 3
    assert all("Si un compte existe pour cette adresse" in p.content.decode() for p in pages)


def work_of(client: Client, url: str, email: str) -> tuple[list[str], list[str]]:
    """The SQL statement kinds and the templates rendered while answering `email`."""
    rendered: list[str] = []

    def record(sender: object, template: Template, **kwargs: Any) -> None:
        rendered.append(template.name or "")

    template_rendered.connect(record)
    try:
        with CaptureQueriesContext(connection) as queries:
            client.post(url, {"email": email})
    finally:
        template_rendered.disconnect(record)
    kinds = [q["sql"].split()[0] for q in queries.captured_queries]
    return kinds, [name for name in rendered if name.startswith("emails/")]


def test_a_login_link_costs_the_same_work_for_a_known_and_an_unknown_address(
    cast: SimpleNamespace, client: Client
) -> None:
    url = reverse("accounts:login_link_request")
    known = work_of(client, url, "benef@cap.test")
    unknown = work_of(client, url, "personne@nulle.part")
    staff = work_of(client, url, "consultante@cap.test")
    assert len(mail.outbox) == 1
    assert known == unknown == staff
    assert "emails/login_link.html" in known[1]


def test_a_reset_costs_the_same_work_for_a_known_and_an_unknown_address(
    cast: SimpleNamespace, client: Client
) -> None:
    url = reverse("accounts:reset")
    known = work_of(client, url, "consultante@cap.test")
    unknown = work_of(client, url, "personne@nulle.part")
    assert len(mail.outbox) == 1
    assert known == unknown
    assert "emails/password_reset.html" in known[1]


def test_force_login_is_not_throttled(cast: SimpleNamespace, client: Client) -> None:
    for _ in range(6):
        attempt(client, "consultante@cap.test", "mauvais")
    client.force_login(cast.consultant)
    assert client.get(reverse("home")).status_code == 200
