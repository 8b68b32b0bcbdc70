"""MFA: TOTP enrolment with 10 single-use recovery codes, a second login step (password or
e-mail link), mandatory for staff after the grace period, opt-in for beneficiaries."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import Settings

from bilan.accounts import mfa
from bilan.accounts.models import ApiToken, User
from bilan.lib.testing import PASSWORD
from bilan.organisations.forms import OrganisationForm
from bilan.organisations.models import Membership

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

ENROL = reverse("accounts:mfa_enrol")
VERIFY = reverse("accounts:mfa_verify")


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, drift=drift):06d}"


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    device = mfa.pending_device(user)
    codes = mfa.confirm(device, code(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def password_login(client: Client, user: User) -> _MonkeyPatchedWSGIResponse:
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


def test_enrolment_shows_an_inline_svg_qr_and_the_secret_then_ten_codes_once(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.consultant)
    page = client.get(ENROL).content.decode()
    found = re.search(r'<div class="qr">(.*?)</div>', page, re.S)
    assert found is not None
    qr = found.group(1)
    assert qr.startswith("<svg") and "<script" not in qr and "href" not in qr
    device = TOTPDevice.objects.get(user=cast.consultant, confirmed=False)
    assert mfa.secret_of(device) in page
    response = client.post(ENROL, {"code": code(device)})
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", response.content.decode())
    assert len(set(codes)) == 10
    assert mfa.has_mfa(cast.consultant)
    assert "<code>" not in client.get(ENROL).content.decode()  # never shown again


def test_a_wrong_enrolment_code_is_refused_in_french(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.beneficiary)
    client.get(ENROL)
    response = client.post(ENROL, {"code": "000000"})
    assert response.status_code == 422
    assert "Code incorrect ou expiré" in response.content.decode()
    assert not mfa.has_mfa(cast.beneficiary)


def test_the_password_alone_does_not_log_in_an_enrolled_person(
    cast: SimpleNamespace, client: Client
) -> None:
    device, _ = enrolled(cast.consultant)
    response = password_login(client, cast.consultant)
    assert response["Location"] == VERIFY
    assert client.get(reverse("home")).status_code == 302
    response = client.post(VERIFY, {"code": code(device, drift=1)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_is_refused_in_french_and_five_end_the_attempt(
    cast: SimpleNamespace, client: Client
) -> None:
    enrolled(cast.consultant)
    password_login(client, cast.consultant)
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == 422
    assert "Code incorrect ou expiré" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    for _ in range(4):
        response = client.post(VERIFY, {"code": "123456"})
    assert response["Location"] == reverse("accounts:login")
    assert client.get(VERIFY)["Location"] == reverse("accounts:login")


def test_a_recovery_code_works_once(cast: SimpleNamespace, client: Client) -> None:
    _, codes = enrolled(cast.consultant)
    password_login(client, cast.consultant)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    password_login(client, cast.consultant)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 422


def test_an_enrolled_beneficiary_gives_her_code_after_the_email_link(
    cast: SimpleNamespace, client: Client
) -> None:
    device, _ = enrolled(cast.beneficiary)
    client.post(reverse("accounts:login_link_request"), {"email": cast.beneficiary.email})
    found = re.search(r"/connexion/lien/([\w-]+)/", str(mail.outbox[0].body))
    assert found is not None
    token = found.group(1)
    response = client.post(reverse("accounts:login_link", args=[token]))
    assert response["Location"] == VERIFY
    assert client.get(reverse("portal:home")).status_code == 302
    client.post(VERIFY, {"code": code(device, drift=1)})
    assert client.get(reverse("portal:home")).status_code == 200


def past_grace(user: User) -> None:
    long_ago = timezone.now() - dt.timedelta(days=15)
    Membership.objects.filter(user=user).update(created_at=long_ago)
    user.__class__.objects.filter(pk=user.pk).update(mfa_grace_from=None)


@pytest.mark.parametrize("role", ["consultant", "admin"])
def test_staff_past_the_grace_period_are_sent_to_enrolment_on_every_page(
    cast: SimpleNamespace, client: Client, role: str
) -> None:
    user = getattr(cast, role)
    past_grace(user)
    client.force_login(user)
    for url in [reverse("home"), reverse("bilans:list"), reverse("accounts:password_change")]:
        assert client.get(url)["Location"] == ENROL
    page = client.get(ENROL).content.decode()
    assert "obligatoire" in page
    device = TOTPDevice.objects.get(user=user)
    client.post(ENROL, {"code": code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_within_the_grace_period_staff_work_normally(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.consultant)
    assert client.get(reverse("home")).status_code == 200


def test_beneficiaries_are_never_forced(cast: SimpleNamespace, client: Client) -> None:
    past_grace(cast.beneficiary)
    client.force_login(cast.beneficiary)
    assert client.get(reverse("portal:home")).status_code == 200


def test_api_tokens_are_not_affected(cast: SimpleNamespace, client: Client) -> None:
    past_grace(cast.consultant)
    raw = ApiToken.issue(cast.consultant)
    response = client.get("/api/v1/bilans", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_the_grace_counts_from_the_later_of_deployment_and_membership(
    cast: SimpleNamespace, settings: Settings
) -> None:
    settings.MFA_GRACE_DAYS = 14
    user = cast.consultant
    memberships = list(Membership.objects.filter(user=user))
    created = timezone.localdate(memberships[0].created_at)
    user.mfa_grace_from = created - dt.timedelta(days=30)
    assert mfa.mfa_deadline(user, memberships) == created + dt.timedelta(days=14)
    user.mfa_grace_from = created + dt.timedelta(days=3)
    assert mfa.mfa_deadline(user, memberships) == created + dt.timedelta(days=17)
    beneficiary = list(Membership.objects.filter(user=cast.beneficiary))
    assert mfa.mfa_deadline(cast.beneficiary, beneficiary) is None


def test_a_beneficiary_may_turn_it_off_but_staff_may_not(
    cast: SimpleNamespace, client: Client
) -> None:
    enrolled(cast.beneficiary)
    client.force_login(cast.beneficiary)
    client.post(reverse("accounts:mfa_disable"))
    assert not mfa.has_mfa(cast.beneficiary)
    enrolled(cast.consultant)
    client.force_login(cast.consultant)
    response = client.post(reverse("accounts:mfa_disable"), follow=True)
    assert "La double authentification est obligatoire pour l" in response.content.decode()
    assert mfa.has_mfa(cast.consultant)


def test_each_organisation_sets_its_grace_period_and_the_strictest_wins(
    cast: SimpleNamespace, client: Client
) -> None:
    user = cast.consultant
    Membership.objects.filter(user=user).update(created_at=timezone.now() - dt.timedelta(days=3))
    user.__class__.objects.filter(pk=user.pk).update(mfa_grace_from=None)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200  # 3 days into the default 14
    cast.org.mfa_grace_days = 2
    cast.org.save(update_fields=["mfa_grace_days"])
    assert client.get(reverse("home"))["Location"] == ENROL
    # Another organisation, laxer, does not relax the stricter one.
    Membership.objects.create(
        user=user, organisation=cast.outsider_org, role="consultant", is_active=True
    )
    cast.outsider_org.mfa_grace_days = 90
    cast.outsider_org.save(update_fields=["mfa_grace_days"])
    user.refresh_from_db()
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    created = timezone.localdate(memberships[0].created_at)
    assert mfa.mfa_deadline(user, memberships) == created + dt.timedelta(days=2)


def test_the_admin_sets_the_grace_period_on_the_settings_page(
    cast: SimpleNamespace, client: Client
) -> None:
    data = {"name": cast.org.name, "siret": cast.org.siret, "nda": cast.org.nda}
    assert OrganisationForm({**data, "mfa_grace_days": "0"}, instance=cast.org).is_valid()
    refused = OrganisationForm({**data, "mfa_grace_days": "91"}, instance=cast.org)
    assert not refused.is_valid() and "90" in refused.errors["mfa_grace_days"][0]
    client.force_login(cast.admin)
    enrolled(cast.admin)
    page = client.get(reverse("organisations:settings")).content.decode()
    assert "double authentification (jours)" in page
