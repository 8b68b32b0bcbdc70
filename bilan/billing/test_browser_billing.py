"""In a real Chromium: the administration drafts an invoice on the pages, issues it and opens
its PDF; the beneficiary reads her contract (terms of sale, mediator, withdrawal period) and
withdraws with « Se rétracter »."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from bilan.billing import contracts
from bilan.billing.models import ContractEvent, ContractStatus, Invoice, PersonalFundsContract
from bilan.lib.testing import PASSWORD


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_an_invoice_is_issued_and_the_beneficiary_withdraws_from_her_contract(
    live_server: LiveServer, browser: Browser, page: Page, billing: SimpleNamespace
) -> None:
    base = live_server.url
    contracts.create_contract(
        by=billing.admin, bilan=billing.bilan, price=Decimal("1500"), signed_on=timezone.localdate()
    )

    log_in(page, base, billing.admin.email)
    page.get_by_role("link", name="Facturation").click()
    page.get_by_role("link", name="Nouveau devis ou facture").click()
    page.get_by_label("Bilan").select_option(str(billing.bilan.pk))
    page.get_by_label("Type de payeur").select_option("opco")
    page.get_by_label("Nom du payeur").fill("OPCO Atlas")
    page.get_by_label("Adresse du payeur").fill("25 quai Panhard et Levassor, Paris")
    page.locator("#id_label_0").fill("Bilan de compétences (24 h)")
    page.locator("#id_unit_price_0").fill("1800")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("main")).to_contain_text("Brouillon enregistré")
    page.get_by_role("button", name="Émettre (attribuer le numéro)").click()
    number = f"F-{timezone.localdate().year}-0001"
    expect(page.locator("main")).to_contain_text(f"Pièce émise sous le numéro {number}")
    assert Invoice.objects.get(number=number).total_ttc == Decimal("1800.00")
    href = page.locator("#pdf").get_attribute("href") or ""
    pdf = page.request.get(base + href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    context = browser.new_context(locale="fr-FR")
    mine = context.new_page()
    try:
        log_in(mine, base, billing.beneficiary.email)
        mine.get_by_role("link", name="Mon contrat").click()
        expect(mine.locator("#mediator")).to_contain_text("CM2C")
        expect(mine.locator("#terms")).to_contain_text("Conditions générales de vente")
        mine.get_by_role("button", name="Se rétracter").click()
        expect(mine.locator("main")).to_contain_text("le contrat est annulé")
        expect(mine.get_by_role("button", name="Se rétracter")).to_have_count(0)
    finally:
        context.close()
    contract = PersonalFundsContract.objects.get()
    assert contract.status == ContractStatus.WITHDRAWN
    assert contract.events.filter(action=ContractEvent.Action.WITHDRAWN).exists()
