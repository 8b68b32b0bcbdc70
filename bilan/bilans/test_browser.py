"""In a real Chromium: the demo consultant takes a bilan through the preliminary phase."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from bilan.bilans.models import Bilan, Status

DEMO_PASSWORD = "demo-bilan-2026"


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("Se déconnecter")).click()


@pytest.mark.browser
def test_the_demo_consultant_advances_a_bilan_through_the_preliminary_phase(
    live_server: LiveServer, page: Page
) -> None:
    call_command("demo", verbosity=0)
    bilan = Bilan.objects.get(beneficiary__email="beneficiaire.demande@demo.test")
    assert bilan.status == Status.ENQUIRY and bilan.active_consent() is not None
    base = live_server.url

    log_in(page, base, "consultante@demo.test")
    page.get_by_role("link", name="Bilans", exact=True).click()
    page.get_by_role("link", name=bilan.beneficiary.get_full_name()).click()
    assert page.locator("#status").inner_text() == "Demande"

    page.get_by_role("button", name="Commencer la phase préliminaire").click()
    assert page.locator("#status").inner_text() == "Phase préliminaire"
    assert "l'analyse de la demande et du besoin" in page.locator("#missing").inner_text()

    page.get_by_label("Analyse de la demande et du besoin").fill(
        "Envie de quitter la logistique pour un métier du soin ; vérifier la faisabilité."
    )
    page.get_by_label("Format retenu").select_option(label="mixte")
    page.get_by_label("Rythme").fill("Tous les quinze jours, le jeudi")
    page.get_by_label("Modalités définies conjointement").fill(
        "Six entretiens de 2 h, travail personnel entre les séances, tests d'intérêts."
    )
    page.get_by_role("button", name="Enregistrer le cadrage").click()
    page.get_by_role("button", name="Je valide les modalités").click()
    missing = page.locator("#missing").inner_text()
    assert "validation des modalités par le ou la bénéficiaire" in missing

    # Opening the investigation now is refused, with the reason, and nothing changes.
    page.get_by_role("button", name="Ouvrir la phase d'investigation").click()
    assert "il manque" in page.get_by_role("alert").first.inner_text()
    assert page.locator("#status").inner_text() == "Phase préliminaire"

    # The beneficiary co-validates the modalités from their own space.
    log_out(page)
    log_in(page, base, "beneficiaire.demande@demo.test")
    assert "Six entretiens de 2 h" in page.locator("#todo").inner_text()
    page.get_by_role("button", name="Je valide ces modalités").click()
    assert "Vous avez validé les modalités" in page.get_by_role("status").first.inner_text()
    log_out(page)

    log_in(page, base, "consultante@demo.test")
    page.goto(f"{base}/bilans/{bilan.pk}/")
    page.get_by_role("button", name="Ouvrir la phase d'investigation").click()
    assert page.locator("#status").inner_text() == "Phase d'investigation"
    bilan.refresh_from_db()
    assert bilan.status == Status.INVESTIGATION
    assert bilan.format == "mixed"
