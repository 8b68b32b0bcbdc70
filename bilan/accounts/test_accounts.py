"""Logging in and out, invitations, password reset, session expiry, the team page."""

from __future__ import annotations

import datetime as dt
import re
import time
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from bilan.accounts.middleware import REFRESHED_KEY
from bilan.accounts.models import User
from bilan.lib.testing import PASSWORD
from bilan.organisations.invitations import invitation_link
from bilan.organisations.models import Membership, Role


def test_login_with_email_and_password_then_logout(cast: SimpleNamespace, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "CONSULTANTE@cap.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_wrong_password_gets_a_french_message(cast: SimpleNamespace, client: Client) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": "consultante@cap.test", "password": "non"}
    )
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()


def test_the_login_page_speaks_french_by_default_and_english_when_chosen(
    db: None, client: Client
) -> None:
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="fr">' in page and "Connexion" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page


def test_an_idle_session_expires(cast: SimpleNamespace, client: Client, settings: Settings) -> None:
    client.force_login(cast.consultant)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session.set_expiry(-1)  # as if the idle time had passed
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_session_idle_time_is_a_setting(settings: Settings) -> None:
    assert settings.SESSION_COOKIE_AGE == 60 * 60
    assert settings.SESSION_IDLE_REFRESH_SECONDS == 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # IdleSessionMiddleware refreshes


def session_writes(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if "django_session" in q["sql"]
        and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    )


def test_a_page_within_the_refresh_interval_writes_no_session(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    assert session_writes(client, reverse("home")) == 0  # logging in counted as the refresh
    assert session_writes(client, reverse("home")) == 0
    assert session_writes(client, reverse("home")) == 0


def test_activity_after_the_interval_moves_the_expiry_forward(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    client.get(reverse("home"))
    session = client.session
    session[REFRESHED_KEY] = int(time.time()) - 61  # the last refresh was 61 s ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=120)  # and it would end in 2 minutes
    )
    assert session_writes(client, reverse("home")) == 1
    stored = Session.objects.get(session_key=client.session.session_key)
    left = (stored.expire_date - timezone.now()).total_seconds()
    assert 60 * 60 - 5 < left <= 60 * 60  # a full idle period again
    assert session_writes(client, reverse("home")) == 0


def test_an_idle_session_expires_without_refresh(cast: SimpleNamespace, client: Client) -> None:
    """Pages within the interval do not extend a session whose idle time has run out."""
    client.force_login(cast.consultant)
    client.get(reverse("home"))
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_an_invited_person_sets_a_password_and_is_logged_in(
    cast: SimpleNamespace, client: Client
) -> None:
    user = User.objects.create_user("nouveau@cap.test", first_name="Noé", last_name="Nouveau")
    Membership.objects.create(user=user, organisation=cast.org, role=Role.BENEFICIARY)
    link = invitation_link(user).split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    response = client.get(link, follow=True)
    assert "choisissez votre mot de passe" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {
            "new_password1": "un-long-mot-de-passe-2026",
            "new_password2": "un-long-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un-long-mot-de-passe-2026")
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_used_or_forged_invitation_link_is_refused(cast: SimpleNamespace, client: Client) -> None:
    response = client.get("/compte/invitation/MQ/forged-token/")
    assert "Lien expiré ou déjà utilisé" in response.content.decode()


def test_password_reset_sends_the_catalogue_email(
    cast: SimpleNamespace, client: Client, mailoutbox: list[EmailMessage]
) -> None:
    response = client.post(reverse("accounts:reset"), {"email": "consultante@cap.test"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "Réinitialisation de votre mot de passe Bilan"
    assert isinstance(message, EmailMultiAlternatives)
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    found = re.search(r"http\S+/compte/mot-de-passe/\S+/", str(message.body))
    assert found is not None
    link = found.group(0)
    path = link.split("8000")[-1]
    response = client.get(path, follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {
            "new_password1": "nouveau-mot-de-passe-2026",
            "new_password2": "nouveau-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    cast.consultant.refresh_from_db()
    assert cast.consultant.check_password("nouveau-mot-de-passe-2026")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(
    db: None, client: Client, mailoutbox: list[EmailMessage]
) -> None:
    response = client.post(reverse("accounts:reset"), {"email": "personne@nulle.part"}, follow=True)
    assert "Si un compte existe pour cette adresse" in response.content.decode()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "role,status",
    [("admin", 200), ("consultant", 403), ("beneficiary", 403), ("outsider_admin", 200)],
)
def test_only_admins_see_the_team_page(
    cast: SimpleNamespace, client: Client, role: str, status: int
) -> None:
    client.force_login(getattr(cast, role))
    response = client.get(reverse("organisations:team"))
    assert response.status_code == status
    if role == "outsider_admin":
        assert "consultante@cap.test" not in response.content.decode()


def test_an_admin_invites_a_consultant_by_email(
    cast: SimpleNamespace,
    client: Client,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    client.force_login(cast.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:team"),
            {
                "first_name": "Inès",
                "last_name": "Invitée",
                "email": "ines@cap.test",
                "role": "consultant",
            },
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="ines@cap.test")
    assert membership.role == Role.CONSULTANT and membership.organisation == cast.org
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Cap Avenir Conseil vous invite sur Bilan"
    assert "/compte/invitation/" in mailoutbox[0].body
