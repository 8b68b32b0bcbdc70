"""Issue 17, « every save tells the truth »: in a real Chromium on a phone, an autosave the
network drops never says « enregistré », keeps the answer (page and localStorage), retries
until the server confirms, asks before leaving, and restores the answer after a reload."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, Route, expect

from bilan.assessments.models import Administration
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.lib.testing import PASSWORD

PHONE = {"width": 390, "height": 844}
SAVES = re.compile(r".*/espace/tests/passation/\d+/$")


def drop_saves(route: Route) -> None:
    if route.request.method == "POST":
        route.abort("internetdisconnected")
    else:
        route.continue_()


def start_riasec(page: Page, base: str, email: str) -> None:
    page.set_viewport_size(PHONE)
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Mes tests", exact=True).click()
    page.locator("#test-riasec_48").get_by_role("link", name="Découvrir ce test").click()
    page.get_by_role("button", name="Commencer le test").click()
    expect(page.get_by_text("Page 1 sur 4")).to_be_visible()


def answers(bilan_id: int) -> int:
    administration = Administration.objects.filter(bilan_id=bilan_id).first()
    return len(administration.answers) if administration else 0


@pytest.mark.browser
def test_a_dropped_autosave_says_so_keeps_the_answer_and_saves_it_when_the_network_returns(
    live_server, page: Page, cast
) -> None:
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    start_riasec(page, live_server.url, cast.beneficiary.email)
    progress = page.locator("#test-progress")

    page.route(SAVES, drop_saves)
    page.locator("fieldset.item").first.locator('input[value="4"]').check()
    expect(progress.locator(".state-retry")).to_contain_text("non enregistré")
    expect(progress.locator(".ok")).to_have_count(0)  # never a stale « enregistré »
    assert answers(bilan.pk) == 0
    kept = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('formsave:'))")
    assert len(kept) == 1

    page.unroute(SAVES)  # the network is back: the retry saves it
    expect(progress.locator(".ok")).to_contain_text("enregistré", timeout=15000)
    expect(progress).to_contain_text("1 sur 48")
    assert answers(bilan.pk) == 1
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('formsave:')).length")
        == 0
    )


@pytest.mark.browser
def test_leaving_with_an_unsaved_answer_asks_and_a_reload_restores_and_saves_it(
    live_server, page: Page, cast
) -> None:
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    start_riasec(page, live_server.url, cast.beneficiary.email)
    page.route(SAVES, drop_saves)
    page.locator("fieldset.item").nth(1).locator('input[value="2"]').check()
    expect(page.locator("#test-progress .state-retry")).to_be_visible()

    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name=re.compile("Mes tests \\(vos réponses")).click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page.get_by_text("Page 1 sur 4")).to_be_visible()  # still on the test

    page.unroute(SAVES)
    page.route(SAVES, drop_saves)  # still offline when the page comes back
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    second = page.locator("fieldset.item").nth(1).locator('input[value="2"]')
    expect(second).to_be_checked()  # restored from this device
    page.unroute(SAVES)
    expect(page.locator("#test-progress .ok")).to_contain_text("enregistré", timeout=15000)
    assert answers(bilan.pk) == 1


@pytest.mark.browser
def test_an_expired_session_is_not_a_save_and_the_answer_is_saved_after_logging_in_again(
    live_server, page: Page, cast
) -> None:
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    start_riasec(page, live_server.url, cast.beneficiary.email)
    test_url = page.url
    # The session ended (idle expiry) while the page stayed open; the CSRF cookie stays.
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.locator("fieldset.item").first.locator('input[value="5"]').check()
    expect(page.locator("#test-progress .state-retry")).to_contain_text("session a expiré")
    expect(page.locator("#test-progress .ok")).to_have_count(0)
    assert answers(bilan.pk) == 0

    page.once("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(cast.beneficiary.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(test_url)
    expect(page.locator("fieldset.item").first.locator('input[value="5"]')).to_be_checked()
    expect(page.locator("#test-progress .ok")).to_contain_text("enregistré", timeout=15000)
    assert answers(bilan.pk) == 1
