"""In a real Chromium, which enforces the Content-Security-Policy: the key pages run their
scripts (htmx, autosave, the rich-text editor, the signature pad, the API docs) with no
CSP violation at all, neither reported as a `securitypolicyviolation` event nor in the
console."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien, Modality
from bilan.lib.testing import PASSWORD

# Runs before any page script (Playwright injects it outside the page's CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


class Violations:
    """Every CSP violation seen by `page`, from the page's event and from the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def check(self, where: str) -> None:
        events = self.page.evaluate("window.__cspViolations || []")
        found = events + self.console
        assert not found, f"CSP violations on {where}:\n" + "\n".join(found)
        assert self.page.evaluate("Array.isArray(window.__cspViolations)"), "recorder missing"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter", exact=False)).to_be_visible()


@pytest.mark.browser
def test_the_recorder_sees_a_violation(
    live_server: LiveServer, page: Page, cast: SimpleNamespace
) -> None:
    """The check bites: an inline script the CSP blocks is reported."""
    violations = Violations(page)
    page.goto(live_server.url + "/compte/connexion/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    with pytest.raises(AssertionError, match="script-src"):
        violations.check("the login page")


@pytest.mark.browser
def test_the_consultants_key_pages_run_with_no_csp_violation(
    live_server: LiveServer, page: Page, cast: SimpleNamespace
) -> None:
    base = live_server.url
    bilan = advance_to(cast.bilan, Status.CONCLUSIONS)
    entretien = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        phase=Phase.CONCLUSIONS,
        starts_at=timezone.now() - dt.timedelta(minutes=30),
        planned_minutes=60,
    )
    violations = Violations(page)
    log_in(page, base, cast.consultant.email)
    violations.check("the dashboard")

    # The bilan page: htmx, the hours bar.
    page.goto(f"{base}/bilans/{bilan.pk}/")
    expect(page.locator(".hours .bar .done")).to_be_attached()
    assert page.evaluate("typeof htmx") == "object"
    # The bar's width comes from its class (the CSS file loaded and applies).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.hours .bar')).position")
        == "relative"
    )
    violations.check("the bilan page")

    # Conducting the entretien: the timer and the autosave run.
    page.goto(f"{base}/entretiens/{entretien.pk}/conduire/")
    expect(page.locator("[data-timer]")).not_to_have_text("00:00", timeout=5_000)
    free = page.locator("#free-notes textarea")
    free.fill("Une note privée tapée sous CSP.")
    expect(page.locator("#free-notes .save-state")).to_contain_text("enregistré", timeout=8_000)
    violations.check("the entretien conduct page")

    # The synthèse editor: the rich-text toolbar is built by static/js/richtext.js.
    page.goto(f"{base}/syntheses/bilan/{bilan.pk}/synthese/")
    page.get_by_role("button", name="Commencer une synthèse vide").click()
    expect(page.locator(".richtext-toolbar").first).to_be_visible()
    page.locator(".richtext").first.click()
    page.get_by_role("button", name="Gras").first.click()
    page.keyboard.type("Texte en gras")
    violations.check("the synthèse editor")

    # The API docs: ninja's vendored Swagger UI, loaded from static files.
    page.goto(f"{base}/api/v1/docs")
    expect(page.locator("#swagger-ui .info")).to_be_visible()
    violations.check("the API docs")


@pytest.mark.browser
def test_the_beneficiarys_test_and_signature_pages_run_with_no_csp_violation(
    live_server: LiveServer, page: Page, cast: SimpleNamespace
) -> None:
    base = live_server.url
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    entretien = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        phase=Phase.INVESTIGATION,
        starts_at=timezone.now() - dt.timedelta(minutes=90),
        planned_minutes=60,
        modality=Modality.VIDEO,  # remote: the beneficiary signs from their own account
    )
    entretien.mark_held(by=cast.consultant)  # signing opens once it is held
    violations = Violations(page)
    log_in(page, base, cast.beneficiary.email)
    violations.check("the beneficiary's home")

    # Taking a test: each answer is saved by htmx.
    page.goto(f"{base}/espace/tests/riasec_48/")
    page.get_by_role("button", name="Commencer le test").click()
    page.locator("fieldset.item").first.locator('input[value="3"]').check()
    expect(page.locator("#test-progress")).to_contain_text("enregistré")
    violations.check("the test page")

    # The attendance page: the signature pad (static/js/signature.js) and its styles.
    page.goto(f"{base}/espace/entretiens/{entretien.pk}/emargement/")
    canvas = page.locator("canvas.signature-pad").first
    expect(canvas).to_be_visible()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('canvas.signature-pad')).cursor")
        == "crosshair"
    )
    violations.check("the attendance page")
