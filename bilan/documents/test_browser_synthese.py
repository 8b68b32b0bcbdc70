"""In a real Chromium: from the validated piste to the downloaded PDF. The consultant prefills
the synthèse from the bilan (the validated project among its sources), submits it; the
beneficiary, on a phone, validates it, asks for the PDF, watches the job's progress polled
every second, and downloads the file, which is read back."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bilan.documents import synthese as service
from bilan.documents.models import RenderJob, RenderStatus, Synthese, SyntheseStatus
from bilan.documents.tasks import render_synthese
from bilan.lib.testing import PASSWORD

PHONE = {"width": 390, "height": 844}


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_from_the_validated_piste_to_the_downloaded_pdf(live_server, browser, page, cast, recorded):
    base = live_server.url
    log_in(page, base, cast.consultant.email)
    page.goto(f"{base}/syntheses/bilan/{cast.bilan.pk}/synthese/")
    page.get_by_role("button", name="Préremplir depuis le bilan").click()
    projet = page.locator("#section-projet")
    expect(projet.locator("textarea")).to_have_value(
        re.compile(r"^<p><strong>Projet retenu</strong> : Conseillère en insertion</p>")
    )
    expect(projet.locator("aside")).to_contain_text("Projet validé le")
    # The consultant writes with the editor's toolbar: bold, then a paragraph; a paste
    # arrives as plain text.
    suivi = page.locator("#section-suivi")
    editor = suivi.locator(".richtext")
    editor.click()
    page.keyboard.press("End")
    suivi.get_by_role("button", name="Gras").click()
    page.keyboard.type(" Un entretien à six mois.")
    page.get_by_role("button", name="Enregistrer (nouvelle version)").click()
    latest = Synthese.objects.get().latest()
    assert re.search(
        r"<(b|strong)>(&nbsp;| )Un entretien à six mois\.</\1></p>$", latest.section("suivi")
    )
    page.get_by_role("button", name="Soumettre pour observations au ou à la bénéficiaire").click()
    expect(page.locator("#synthese-status")).to_contain_text("soumise pour observations")

    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    log_in(phone, base, cast.beneficiary.email)
    phone.goto(base + "/espace/synthese/")
    expect(phone.locator("#synthese-text")).to_contain_text("Conseillère en insertion")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_label("J'ai lu la version 2 de mon document de synthèse et je la valide.").check()
    phone.get_by_role("button", name="Valider mon document de synthèse").click()
    expect(phone.locator("#synthese-status")).to_contain_text("validée par le ou la bénéficiaire")
    assert Synthese.objects.get().status == SyntheseStatus.VALIDATED

    phone.get_by_role("button", name="Préparer le PDF").click()
    expect(phone.locator(".render-job")).to_contain_text("en attente")
    job = RenderJob.objects.get()
    render_synthese(job.pk)  # the worker's part; the page notices by polling
    link = phone.locator(".render-job").get_by_role("link", name="Télécharger")
    expect(link).to_be_visible(timeout=5_000)
    with phone.expect_download() as download:
        link.click()
    data = open(download.value.path(), "rb").read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Conseillère en insertion" in text and "L6313-4" in text
    assert download.value.suggested_filename == f"synthese-{cast.bilan.reference}-v2.pdf"
    context.close()


@pytest.mark.browser
def test_a_render_lost_by_a_dead_worker_is_failed_and_relancer_makes_the_file(
    live_server, page, cast, conclusions
):
    import datetime as dt

    from django.utils import timezone

    synthese = service.start_synthese(bilan=cast.bilan, by=cast.consultant, prefilled=False)
    started = timezone.now() - dt.timedelta(minutes=6)
    lost = RenderJob.objects.create(
        synthese=synthese,
        version_number=1,
        format="pdf",
        requested_by=cast.consultant,
        status=RenderStatus.RUNNING,
        progress=40,
        started_at=started,
        requested_at=started,
    )
    base = live_server.url
    log_in(page, base, cast.consultant.email)
    page.goto(f"{base}/syntheses/bilan/{cast.bilan.pk}/synthese/")
    shown = page.locator(f"#render-job-{lost.pk}")
    expect(shown).to_contain_text("Le rendu a été interrompu (le travailleur s'est arrêté).")
    shown.get_by_role("button", name="Relancer").click()
    expect(shown).to_have_count(0)  # replaced by the new job, polled
    new = RenderJob.objects.exclude(pk=lost.pk).get()
    assert (new.format, new.version_number) == ("pdf", 1)
    render_synthese(new.pk)  # the worker's part
    link = page.locator(f"#render-job-{new.pk}").get_by_role("link", name="Télécharger")
    expect(link).to_be_visible(timeout=5_000)
