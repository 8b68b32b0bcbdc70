"""In a real Chromium on a phone-sized screen: a beneficiary takes the RIASEC test (autosaved
answers, pages, resume), sees the hexagon and writes how they recognise themselves in it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from bilan.assessments.instruments import get_instrument
from bilan.assessments.models import Administration, Result
from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.lib.testing import PASSWORD

PHONE = {"width": 390, "height": 844}
COMMENT = "Je me reconnais dans le côté social ; le conventionnel me surprend."


def answer_page(page, values: dict[str, int]) -> None:
    for fieldset in page.locator("fieldset.item").all():
        item_id = fieldset.get_attribute("id").removeprefix("item-")
        value = values[item_id[0]]
        fieldset.locator(f'input[value="{value}"]').check()


@pytest.mark.browser
def test_a_beneficiary_takes_the_riasec_on_a_phone_and_comments_the_result(live_server, page, cast):
    bilan = advance_to(cast.bilan, Status.INVESTIGATION)
    page.set_viewport_size(PHONE)
    base = live_server.url
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(cast.beneficiary.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_role("link", name="Mes tests", exact=True).click()
    page.locator("#test-riasec_48").get_by_role("link", name="Découvrir ce test").click()
    expect(page.locator("#about")).to_contain_text("Qui interprète les résultats")
    page.get_by_role("button", name="Commencer le test").click()
    expect(page.get_by_text("Page 1 sur 4")).to_be_visible()
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    values = {"R": 2, "I": 3, "A": 1, "S": 5, "E": 4, "C": 2}
    answer_page(page, values)
    # Each click autosaves: the progress follows without leaving the page.
    expect(page.locator("#test-progress")).to_contain_text("12 sur 48")
    expect(page.locator("#test-progress")).to_contain_text("enregistré")
    administration = Administration.objects.get(bilan=bilan)
    assert len(administration.answers) == 12

    # Leaving and coming back resumes on page 2.
    page.get_by_role("link", name="Mes tests", exact=True).click()
    page.get_by_role("link", name="Reprendre où je m'étais arrêté·e").click()
    expect(page.get_by_text("Page 2 sur 4")).to_be_visible()
    for number in (2, 3, 4):
        answer_page(page, values)
        if number < 4:
            page.get_by_role("button", name="Enregistrer et continuer").click()
            expect(page.get_by_text(f"Page {number + 1} sur 4")).to_be_visible()
    page.get_by_role("button", name="Terminer et voir mes résultats").click()

    expect(page.locator("#holland-code")).to_have_text("S-E-I")
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] <= PHONE["width"]
    expect(page.locator("svg.chart polygon.profile")).to_have_count(1)

    page.get_by_label("Comment je me reconnais dans ces résultats").fill(COMMENT)
    page.get_by_role("button", name="Enregistrer mon commentaire").click()
    expect(page.get_by_text("Votre commentaire est enregistré.")).to_be_visible()
    expect(page.get_by_label("Comment je me reconnais dans ces résultats")).to_have_value(COMMENT)
    result = Result.objects.get(administration__bilan=bilan)
    assert result.beneficiary_comment == COMMENT
    assert result.scores["raw"]["S"] == 40 and len(result.administration.answers) == len(
        get_instrument("riasec_48").items
    )
    pdf = page.request.get(
        base + reverse("portal:test_result_pdf", args=[result.administration_id])
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
