"""In a real Chromium: a consultant enrols a TOTP app, logs out, logs in with a code, is
refused a wrong code, then logs in with a recovery code."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bilan.lib.testing import PASSWORD


def code(device: TOTPDevice, drift: int = 0) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, drift=drift):06d}"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


@pytest.mark.browser
def test_a_consultant_enrols_then_logs_in_with_a_code_and_a_recovery_code(
    live_server: LiveServer, page: Page, cast: SimpleNamespace
) -> None:
    base = live_server.url
    email = cast.consultant.email
    log_in(page, base, email)
    page.goto(base + "/compte/double-authentification/")
    expect(page.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=cast.consultant)
    expect(page.locator("#totp-secret")).to_have_text(base64.b32encode(device.bin_key).decode())
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(code(device))
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Double authentification activée")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continuer").click()
    log_out(page)

    log_in(page, base, email)
    expect(page.get_by_role("heading", name="Double authentification")).to_be_visible()
    page.get_by_label("Code à 6 chiffres ou code de secours").fill("000000")
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert")).to_contain_text("Code incorrect ou expiré")
    page.wait_for_timeout(1500)  # django-otp refuses any code for 1 s after a failure
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(code(device, drift=1))
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    log_out(page)

    log_in(page, base, email)
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Code de secours utilisé")).to_be_visible()
    log_out(page)
    log_in(page, base, email)
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("alert")).to_contain_text("Code incorrect ou expiré")
