"""In a real Chromium, the documentary research chain of issue 5: the beneficiary, on a phone,
searches a métier by its feminine form without accents, keeps the fiche with her notes; the
consultant turns it into a piste professionnelle and plans an enquête métier; the beneficiary
then finds the piste and its enquête in her space."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bilan.bilans.models import Status
from bilan.careers.models import CareerOption, EnqueteMetier, SavedFiche
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.lib.testing import PASSWORD

PHONE = {"width": 390, "height": 844}


def log_in(page, base: str, email: str) -> None:
    page.goto(base + reverse("accounts:login"))
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_a_saved_fiche_becomes_a_piste_with_an_enquete(live_server, browser, page, cast, rome):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    base = live_server.url

    # The beneficiary, on her phone.
    page.set_viewport_size(PHONE)
    log_in(page, base, cast.beneficiary.email)
    page.get_by_role("link", name="Métiers", exact=True).click()
    page.get_by_label("Métier ou appellation").press_sequentially("infirmiere", delay=20)
    hit = page.locator("#metier-hits a", has_text="Infirmier / Infirmière").first
    hit.wait_for()
    hit.click()
    expect(page.locator("main")).to_contain_text("Source : France Travail, ROME 4.0 version 60")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Ce qui m'attire").fill("Prendre soin des autres, un métier utile")
    page.get_by_label("Ce qui m'inquiète").fill("Les horaires de nuit")
    page.get_by_role("button", name="Ajouter à mes recherches").click()
    expect(page.locator("main")).to_contain_text("Fiche ajoutée à vos recherches")
    saved = SavedFiche.objects.get(bilan=bilan)
    assert (saved.code_rome, saved.rome_version) == ("J1506", rome.number)

    # The consultant, in another browser context: from the bilan to the research, to a piste.
    context = browser.new_context(locale="fr-FR")
    staff = context.new_page()
    try:
        log_in(staff, base, cast.consultant.email)
        staff.goto(base + reverse("bilans:detail", args=[bilan.pk]))
        staff.locator("#careers").get_by_role("link", name="Recherche documentaire").click()
        expect(staff.locator("main")).to_contain_text("Prendre soin des autres")
        staff.get_by_role("button", name="En faire une piste professionnelle").click()
        option = CareerOption.objects.get(bilan=bilan)
        assert option.code_rome == "J1506"
        assert option.attraction == "Prendre soin des autres, un métier utile"
        expect(staff.locator("main")).to_contain_text(option.title)

        staff.get_by_role("link", name="Prévoir une enquête métier").click()
        staff.get_by_label("Qui (nom, ou description anonyme)").fill(
            "Une infirmière de nuit en EHPAD"
        )
        staff.get_by_label("Fonction").fill("Infirmière diplômée d'État")
        staff.get_by_label("Moyen de contact").fill("Par le réseau de sa sœur")
        staff.get_by_role("button", name="Prévoir l'enquête").click()
        enquete = EnqueteMetier.objects.get(career_option=option)
        assert len(enquete.questions) >= 10  # the default grid, copied

        staff.goto(base + reverse("careers:enquetes", args=[bilan.pk]))
        expect(staff.locator("main")).to_contain_text("Une infirmière de nuit en EHPAD")
    finally:
        context.close()
    # The consultant's reads of the research and of the piste were journaled.
    reads = set(
        AuditEvent.objects.filter(bilan_id=bilan.pk, actor_id=cast.consultant.pk).values_list(
            "object_type", flat=True
        )
    )
    assert {"careers.SavedFiche", "careers.CareerOption"} <= reads

    # The beneficiary sees the piste and its enquête in her space.
    page.get_by_role("link", name="Mes pistes", exact=True).click()
    page.get_by_role("link", name=option.title).first.click()
    expect(page.locator("main")).to_contain_text("Une infirmière de nuit en EHPAD")
