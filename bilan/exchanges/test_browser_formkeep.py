"""Issue 17: a journal entry written while the session expired survives the login page: the
text comes back in the form after logging in again, is sent, and the copy is then dropped."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Page, expect

from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.exchanges.models import JournalEntry
from bilan.lib.testing import PASSWORD

TEXT = "Aujourd'hui j'ai compris que je veux travailler avec des enfants."


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_a_journal_entry_sent_after_the_session_expired_comes_back_and_is_saved(
    live_server, page: Page, cast
) -> None:
    advance_to(cast.bilan, Status.INVESTIGATION)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, cast.beneficiary.email)
    page.goto(live_server.url + reverse("portal:journal_new"))
    page.get_by_label("Ce que je note aujourd'hui").fill(TEXT)
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)  # idle expiry meanwhile
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()  # the login page
    assert not JournalEntry.objects.exists()

    page.get_by_label("Adresse e-mail").fill(cast.beneficiary.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server.url + reverse("portal:journal_new"))
    expect(page.get_by_label("Ce que je note aujourd'hui")).to_have_value(TEXT)
    expect(page.get_by_text("Texte retrouvé sur cet appareil")).to_be_visible()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".msg-success")).to_be_visible()
    assert JournalEntry.objects.get().text == TEXT
    page.wait_for_function(
        "Object.keys(localStorage).filter(k => k.startsWith('formkeep:')).length === 0"
    )
    page.goto(live_server.url + reverse("portal:journal_new"))
    expect(page.get_by_label("Ce que je note aujourd'hui")).to_have_value("")  # not restored twice


@pytest.mark.browser
def test_leaving_the_centres_d_interet_with_unsaved_ticks_asks_first(
    live_server, page: Page, cast, rome
) -> None:
    advance_to(cast.bilan, Status.INVESTIGATION)
    log_in(page, live_server.url, cast.beneficiary.email)
    page.goto(live_server.url + reverse("portal:interests"))
    page.locator("#interests-form input[type=checkbox]").first.check()
    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="Mes tests", exact=True).click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(reverse("portal:interests"))
    expect(page.locator("#interests-form input[type=checkbox]").first).to_be_checked()
