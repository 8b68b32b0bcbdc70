"""In a real Chromium (issue 14): an entretien is conducted and held, both parties sign it (the
beneficiary on the consultant's device, in person), the bilan closes « réalisé en totalité »
from the closing page, and the certificate and the proof bundle download."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bilan.bilans.models import Phase, Status
from bilan.demo.scenario import advance_to, conclude
from bilan.entretiens.ledger import hours_ledger
from bilan.entretiens.models import Entretien
from bilan.entretiens.test_browser_entretien import draw_signature, log_in, pdf_text


@pytest.mark.browser
def test_conduct_sign_close_and_download_the_certificate_and_the_bundle(
    live_server,
    page,
    cast,
) -> None:
    bilan = advance_to(cast.bilan, Status.CONCLUSIONS)
    conclude(bilan)
    started = timezone.now() - dt.timedelta(minutes=50)
    entretien = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        phase=Phase.CONCLUSIONS,
        starts_at=started,
        planned_minutes=45,
        title="Bilan final",
    )
    base = live_server.url
    log_in(page, base, cast.consultant.email)

    # Conducted and held, from the real start to now (within the 15 min tolerance).
    page.goto(base + reverse("entretiens:conduct", args=[entretien.pk]))
    page.get_by_label("Début réel").fill(timezone.localtime(started).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Marquer tenu").click()
    expect(page.locator("#outcome")).to_contain_text("Tenu")
    before = hours_ledger(bilan).delivered_accompaniment

    # Both sign: the consultant, then the beneficiary on the consultant's device.
    page.goto(base + reverse("entretiens:attendance", args=[entretien.pk]))
    mine = page.locator("#consultant-signature")
    draw_signature(page, mine.locator("canvas"))
    mine.get_by_role("button", name="Signer l'émargement").click()
    expect(page.get_by_text("Votre signature est enregistrée.")).to_be_visible()
    theirs = page.locator("#beneficiary-signature")
    draw_signature(page, theirs.locator("canvas"))
    theirs.get_by_role("button", name="Signer en tant que bénéficiaire").click()
    expect(page.get_by_text("Signature du ou de la bénéficiaire enregistrée.")).to_be_visible()
    entretien.refresh_from_db()
    assert hours_ledger(bilan).delivered_accompaniment == before + entretien.held_minutes

    # The closing page: in full, every held entretien signed.
    page.goto(base + reverse("followup:close", args=[bilan.pk]))
    expect(page.locator("#item-attendance_signed")).to_contain_text("fait")
    page.locator("#close").get_by_role("button", name="Clore le bilan").click()
    expect(page.locator("#after")).to_contain_text("Fin du bilan")
    bilan.refresh_from_db()
    assert bilan.status == Status.CLOSED and bilan.completion == "full"

    # The certificate and the proof bundle download.
    href = page.locator("#certificate").get_attribute("href")
    certificate = page.request.get(base + href)
    assert certificate.ok and certificate.headers["content-type"] == "application/pdf"
    assert "CERTIFICAT DE RÉALISATION" in pdf_text(certificate.body())
    page.goto(base + reverse("bilans:detail", args=[bilan.pk]))
    bundle = page.request.get(base + page.locator("#proof-bundle").get_attribute("href"))
    assert bundle.ok and bundle.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.body())).namelist()
    assert names[0] == "00-index.pdf" and any("certificat" in n for n in names)
