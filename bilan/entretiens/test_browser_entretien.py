"""In a real Chromium: a consultant conducts a whole entretien of the guide, both parties sign
the attendance proof (a drawn signature each), and the attendance sheet PDF downloads."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to
from bilan.entretiens.guides import current_guide_for
from bilan.entretiens.models import Attendance, Entretien, Modality, SignerRole
from bilan.lib.testing import PASSWORD

NOTE = "Souhaite quitter la grande distribution ; parle longuement de son ancien chef."


def log_in(page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def log_out(page) -> None:
    page.get_by_role("button", name=re.compile("Se déconnecter")).click()


def draw_signature(page, canvas) -> None:
    """A few strokes with the mouse, as a hand would: down, moves, up."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x + w * (0.1 + 0.06 * i), y + h * (0.6 - 0.3 * (i % 2)), steps=3)
    page.mouse.up()


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.fixture
def default_guide_loaded(transactional_db) -> None:
    """The default guide comes from a data migration, which an earlier live-server test's
    flush wipes: load it again (the migration's step is idempotent)."""
    step = importlib.import_module("bilan.entretiens.migrations.0003_default_guide")
    step.forwards(django_apps, None)


@pytest.mark.browser
def test_a_consultant_conducts_an_entretien_and_both_parties_sign(
    live_server, page, cast, default_guide_loaded
):
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    guide = current_guide_for(bilan.organisation)
    interview = guide.interview("analyse-demande")
    question = interview["question_groups"][0]["questions"][0]
    objective = interview["objectives"][0]
    started = timezone.now() - dt.timedelta(minutes=50)
    entretien = Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        starts_at=started,
        planned_minutes=60,
        interview_key="analyse-demande",
        modality=Modality.VIDEO,  # remote: the beneficiary signs from their own account
    )
    base = live_server.url

    # The consultant opens the bilan, then the entretien's conducting screen.
    log_in(page, base, cast.consultant.email)
    page.get_by_role("link", name="Bilans", exact=True).click()
    page.get_by_role("link", name=bilan.beneficiary.get_full_name()).click()
    expect(page.locator("#activity")).to_contain_text("Entretien d'analyse de la demande")
    page.goto(base + reverse("entretiens:conduct", args=[entretien.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(interview["title"])

    # Notes under a question autosave; an objective is ticked.
    note = page.locator(f'[id="note-{question["id"]}"]')
    note.locator("textarea").fill(NOTE)
    expect(note.locator(".save-state")).to_contain_text("enregistré")
    box = page.locator(f'[id="obj-{objective["id"]}"]')
    box.check()
    expect(box.locator("xpath=..").locator("output")).to_contain_text("enregistré")

    # Marked held, from the real start to now.
    page.get_by_label("Début réel").fill(timezone.localtime(started).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Marquer tenu").click()
    expect(page.locator("#outcome")).to_contain_text("Tenu")
    entretien.refresh_from_db()
    assert entretien.status == "held" and 45 <= entretien.held_minutes <= 55

    # The consultant signs from the bilan page's « Émargement » link, by drawing.
    page.goto(base + reverse("bilans:detail", args=[bilan.pk]))
    row = page.locator("#activity tr", has_text=interview["title"])
    row.get_by_role("link", name="Émargement", exact=True).click()
    mine = page.locator("#consultant-signature")
    expect(mine.locator("canvas")).to_be_visible()
    expect(page.locator("#beneficiary-signature")).to_contain_text("depuis son espace")
    draw_signature(page, mine.locator("canvas"))
    mine.get_by_role("button", name="Signer l'émargement").click()
    expect(page.get_by_text("Votre signature est enregistrée.")).to_be_visible()
    expect(page.locator("#consultant-signature")).to_contain_text("Signature tracée")
    sheet = page.request.get(base + reverse("entretiens:attendance_sheet", args=[bilan.pk]))
    assert sheet.ok and sheet.headers["content-type"] == "application/pdf"
    log_out(page)

    # The beneficiary finds it « À signer » in their space and signs by drawing.
    log_in(page, base, cast.beneficiary.email)
    to_sign = page.locator("#to-sign")
    expect(to_sign).to_contain_text("À signer")
    mine_to_sign = f'a[href="{reverse("portal:attendance", args=[entretien.pk])}"]'
    to_sign.locator(mine_to_sign).click()
    draw_signature(page, page.locator("#beneficiary-signature canvas"))
    page.get_by_role("button", name="Signer l'émargement").click()
    expect(page.get_by_text("Merci, votre signature est enregistrée.")).to_be_visible()
    expect(page.locator("#consultant-signature")).to_contain_text("Signature tracée")

    signatures = {a.signer_role: a for a in Attendance.objects.filter(entretien=entretien)}
    assert set(signatures) == {SignerRole.BENEFICIARY, SignerRole.CONSULTANT}
    assert signatures[SignerRole.BENEFICIARY].signer == cast.beneficiary
    assert signatures[SignerRole.CONSULTANT].signer == cast.consultant
    for attendance in signatures.values():
        assert attendance.method == "drawn" and attendance.signature_image.startswith(
            "data:image/png;base64,"
        )
        assert not attendance.regularisation and "Chrome" in attendance.user_agent

    # The beneficiary downloads the attendance sheet: both signatures, no note.
    page.goto(base + reverse("portal:home"))
    expect(page.locator("#to-sign").locator(mine_to_sign)).to_have_count(0)
    link = page.get_by_role("link", name="Ma feuille d'émargement (PDF)")
    response = page.request.get(base + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert "Bilan de compétences" in text and "Bruno Bénéf" in text and "Claire Conseil" in text
    assert "Entretien d'analyse de la demande" in text
    assert NOTE[:30] not in text and "chef" not in text
