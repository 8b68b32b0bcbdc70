"""Mon compte: a logged-in person changes their own password and stays logged in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from bilan.lib.testing import PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

URL = reverse("accounts:password_change")
NEW = "un-nouveau-mot-de-passe-2026"

EVERY_ROLE = [
    "admin",
    "consultant",
    "colleague",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
]


def change(
    client: Client, old: str = PASSWORD, new1: str = NEW, new2: str | None = None
) -> _MonkeyPatchedWSGIResponse:
    return client.post(
        URL,
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


@pytest.mark.parametrize("role", EVERY_ROLE)
def test_every_logged_in_person_reaches_the_page_and_its_nav_link(
    cast: SimpleNamespace, client: Client, role: str
) -> None:
    client.force_login(getattr(cast, role))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Changer mon mot de passe" in page and "Ancien mot de passe" in page
    assert f'href="{URL}"' in page
    assert client.get(reverse("accounts:password_change_done")).status_code == 200


@pytest.mark.parametrize("name", ["accounts:password_change", "accounts:password_change_done"])
def test_an_anonymous_visitor_is_sent_to_the_login_page(
    db: None, client: Client, name: str
) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_a_wrong_old_password_gets_a_french_message_and_changes_nothing(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = change(client, old="pas-le-bon-mot-de-passe")
    assert response.status_code == 200
    assert "Votre ancien mot de passe est incorrect." in response.content.decode()
    cast.consultant.refresh_from_db()
    assert cast.consultant.check_password(PASSWORD)


def test_a_new_password_under_12_characters_gets_the_validators_french_message(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.beneficiary)
    response = change(client, new1="court-2026")
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in (
        response.content.decode()
    )
    cast.beneficiary.refresh_from_db()
    assert cast.beneficiary.check_password(PASSWORD)


def test_two_different_new_passwords_are_refused(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.consultant)
    response = change(client, new2="un-autre-mot-de-passe-2026")
    assert "Les deux mots de passe ne correspondent pas." in response.content.decode()


def test_the_password_is_changed_and_the_session_stays_valid(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    response = change(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    cast.consultant.refresh_from_db()
    assert cast.consultant.check_password(NEW)
    page = client.get(response["Location"]).content.decode()
    assert "Votre mot de passe a été changé." in page
    assert client.get(reverse("home")).status_code == 200  # still logged in
    client.logout()
    login = {"username": "consultante@cap.test", "password": NEW}
    assert client.post(reverse("accounts:login"), login).status_code == 302
