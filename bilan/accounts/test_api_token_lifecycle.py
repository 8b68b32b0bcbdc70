"""API tokens expire (90 days by default, shown at creation), are listed with their last use
and revocable by their owner, and are all revoked when the password changes (any path) or a
membership ends."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from types import SimpleNamespace

from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from bilan.accounts.models import ApiToken
from bilan.lib.testing import PASSWORD
from bilan.organisations.invitations import invitation_link
from bilan.organisations.models import Membership

API = "/api/v1/bilans"
NEW = "un-nouveau-mot-de-passe-2026"


def api_status(client: Client, raw: str) -> int:
    return client.get(API, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def test_a_token_lives_90_days_and_the_command_says_until_when(cast: SimpleNamespace) -> None:
    out, err = StringIO(), StringIO()
    call_command("api_token", cast.consultant.email, stdout=out, stderr=err)
    token = ApiToken.objects.get(user=cast.consultant)
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=90)) < dt.timedelta(
        seconds=5
    )
    expiry = timezone.localtime(token.expires_at).strftime("%d/%m/%Y")
    assert f"Ce jeton expire le {expiry}" in err.getvalue()


def test_an_expired_token_gets_the_schemas_401(cast: SimpleNamespace, client: Client) -> None:
    raw = ApiToken.issue(cast.consultant)
    assert api_status(client, raw) == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(API, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert set(response.json()) == {"detail"} and "jeton" in response.json()["detail"]
    assert ApiToken.objects.authenticate(raw) is None


def test_the_token_page_lists_creates_and_revokes(cast: SimpleNamespace, client: Client) -> None:
    old = ApiToken.issue(cast.consultant)
    ApiToken.issue(cast.admin)
    client.force_login(cast.consultant)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert old[:8] in page and "jamais" in page and page.count("Révoquer") == 1
    response = client.post(reverse("accounts:tokens"))
    found = re.search(r'<code id="new-token">(\S+)</code>', response.content.decode())
    assert found is not None
    raw = found.group(1)
    assert "Il expire le" in response.content.decode()
    assert api_status(client, raw) == 200
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert raw not in page  # shown once
    token = ApiToken.objects.get(digest__isnull=False, prefix=old[:8])
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert api_status(client, old) == 401
    assert api_status(client, raw) == 200


def test_nobody_revokes_someone_elses_token(cast: SimpleNamespace, client: Client) -> None:
    ApiToken.issue(cast.admin)
    token = ApiToken.objects.get(user=cast.admin)
    client.force_login(cast.consultant)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_changing_the_password_revokes_every_token(cast: SimpleNamespace, client: Client) -> None:
    raws = [ApiToken.issue(cast.consultant) for _ in range(2)]
    other = ApiToken.issue(cast.colleague)
    client.force_login(cast.consultant)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert [api_status(client, r) for r in raws] == [401, 401]
    assert api_status(client, other) == 200


def test_a_password_reset_revokes_every_token(
    cast: SimpleNamespace, client: Client, mailoutbox: list[EmailMessage]
) -> None:
    raw = ApiToken.issue(cast.consultant)
    client.post(reverse("accounts:reset"), {"email": cast.consultant.email})
    found = re.search(r"/compte/mot-de-passe/\S+/", str(mailoutbox[0].body))
    assert found is not None
    path = found.group(0)
    response = client.get(path, follow=True)
    client.post(response.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert api_status(client, raw) == 401


def test_a_password_set_through_an_invitation_revokes_every_token(
    cast: SimpleNamespace, client: Client
) -> None:
    raw = ApiToken.issue(cast.beneficiary)
    link = invitation_link(cast.beneficiary).replace("http://127.0.0.1:8000", "")
    response = client.get(link, follow=True)
    client.post(response.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert api_status(client, raw) == 401


def test_a_login_with_a_rehashed_password_keeps_the_tokens(
    cast: SimpleNamespace, client: Client, settings: Settings
) -> None:
    raw = ApiToken.issue(cast.consultant)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    login = {"username": cast.consultant.email, "password": PASSWORD}
    assert client.post(reverse("accounts:login"), login).status_code == 302
    cast.consultant.refresh_from_db()
    assert cast.consultant.password.startswith("pbkdf2")  # upgraded, same password
    assert api_status(client, raw) == 200


def test_a_membership_that_ends_revokes_every_token(cast: SimpleNamespace, client: Client) -> None:
    raw = ApiToken.issue(cast.consultant)
    membership = Membership.objects.get(user=cast.consultant)
    membership.is_active = False
    membership.save()
    assert ApiToken.objects.get(user=cast.consultant).revoked_at is not None
    membership.is_active = True
    membership.save()
    assert api_status(client, raw) == 401  # not revived


def test_a_deleted_membership_revokes_every_token(cast: SimpleNamespace) -> None:
    ApiToken.issue(cast.consultant)
    Membership.objects.filter(user=cast.consultant).delete()
    assert not ApiToken.objects.live().filter(user=cast.consultant).exists()
