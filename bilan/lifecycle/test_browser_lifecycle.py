"""In a real Chromium (issue 16, item 10): on « Mes données », the beneficiary of a closed
bilan signs the written agreement to keep her work for follow-up — the nightly job then
destroys nothing and writes nothing —, later withdraws it, and the D-15 e-mail offering the
export arrives."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from bilan.bilans.models import Bilan, Status
from bilan.exchanges.journal import write_entry
from bilan.exchanges.models import JournalEntry
from bilan.lib.testing import PASSWORD
from bilan.lifecycle import tasks
from bilan.lifecycle.models import ConservationAgreement


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.browser
def test_sign_then_withdraw_the_agreement_and_the_d15_email_arrives(
    live_server: LiveServer, page: Page, cast: SimpleNamespace
) -> None:
    today = timezone.localdate()
    Bilan.objects.filter(pk=cast.bilan.pk).update(status=Status.CLOSED, closed_on=today)
    write_entry(bilan=cast.bilan, by=cast.beneficiary, text="Mes réflexions")
    base = live_server.url
    log_in(page, base, cast.beneficiary.email)
    page.get_by_role("link", name="Mes données").click()
    card = page.locator(f"#bilan-{cast.bilan.pk}")
    expect(card).to_contain_text("à vérifier au JO")
    card.get_by_label("mes documents de travail et l'exemplaire de la synthèse").check()
    card.get_by_label("Pourquoi").fill("Je veux reprendre mes pistes avec ma consultante.")
    card.get_by_role("button", name="Je signe cet accord de conservation").click()
    expect(page.get_by_text("Votre accord de conservation est enregistré.")).to_be_visible()
    card = page.locator(f"#bilan-{cast.bilan.pk}")
    expect(card.locator(f"#agreement-{cast.bilan.pk}")).to_contain_text("Signé le")
    expect(card.locator(f"#class-travail_bilan-{cast.bilan.pk}")).to_contain_text(
        "Conservé pour le suivi"
    )
    assert ConservationAgreement.objects.get().withdrawn_at is None

    # Kept for follow-up: the nightly job neither writes to her nor destroys anything.
    now = timezone.now()
    assert tasks.nightly(now).notices == 0 and mail.outbox == []
    assert JournalEntry.objects.filter(bilan=cast.bilan).exists()

    card.get_by_role("button", name="Retirer mon accord").click()
    expect(page.get_by_text("Votre accord est retiré")).to_be_visible()
    expect(page.locator(f"#sign-agreement-{cast.bilan.pk}")).to_be_visible()
    assert ConservationAgreement.objects.get().withdrawn_at is not None

    # The next night: the D-15 e-mail, with the link to the export; nothing destroyed yet.
    report = tasks.nightly(now + dt.timedelta(hours=1))
    assert report.notices == 1 and not report.destroyed
    (notice,) = mail.outbox
    assert notice.to == [cast.beneficiary.email]
    assert "seront détruits" in notice.subject
    assert "/espace/mes-donnees/toutes-mes-donnees.zip" in notice.body
    assert JournalEntry.objects.filter(bilan=cast.bilan).exists()
    # The link in the e-mail is her « Mes données » page, where the schedule stands.
    page.goto(base + "/espace/mes-donnees/")
    expect(page.locator(f"#class-travail_bilan-{cast.bilan.pk}")).not_to_contain_text(
        "Conservé pour le suivi"
    )
