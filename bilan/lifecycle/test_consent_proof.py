"""Consent records carry their method's proof (issue 16, item 5): online, the session and the
time; on paper, the scanned form (required, checked); only the beneficiary consents online;
after a withdrawal no reminder, digest or invitation goes to her."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from bilan.bilans.models import Bilan, ConsentMethod, RuleViolation, Status, session_proof
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien, Modality
from bilan.entretiens.tasks import send_entretien_reminders
from bilan.exchanges.messaging import post_message
from bilan.exchanges.models import Message
from bilan.exchanges.tasks import send_message_digests
from bilan.followup import tasks as followup_tasks
from bilan.followup.models import Suivi

PARIS = ZoneInfo("Europe/Paris")
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_online_consent_from_the_page_keeps_the_session_and_the_time(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.beneficiary)
    url = reverse("portal:consent", args=[cast.bilan.pk])
    client.get(url)
    before = timezone.now()
    client.post(url, {"accept": "yes"})
    consent = cast.bilan.active_consent()
    assert consent is not None and consent.method == ConsentMethod.ONLINE
    assert consent.session_hash == session_proof(client.session.session_key or "")
    assert consent.given_at >= before and consent.notice_version == "2026-11"
    assert not consent.scan


@pytest.mark.parametrize("who", ["consultant", "admin"])
def test_only_the_beneficiary_consents_online(cast: SimpleNamespace, who: str) -> None:
    with pytest.raises(RuleViolation, match="que par le ou la bénéficiaire"):
        cast.bilan.record_consent(by=getattr(cast, who), method=ConsentMethod.ONLINE)
    assert cast.bilan.active_consent() is None


def test_paper_consent_from_the_staff_page_needs_the_scan(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.consultant)
    url = reverse("bilans:consent", args=[cast.bilan.pk])
    page = client.get(reverse("bilans:detail", args=[cast.bilan.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="scan"' in page
    response = client.post(
        url, {"confirm": "on", "scan": SimpleUploadedFile("scan.pdf", b"MZ\x90")}, follow=True
    )
    assert "autre type" in response.content.decode()
    assert cast.bilan.active_consent() is None
    client.post(url, {"confirm": "on", "scan": SimpleUploadedFile("scan.pdf", PDF)})
    consent = cast.bilan.active_consent()
    assert consent is not None and consent.method == ConsentMethod.PAPER
    assert consent.scan.name.startswith("consents/") and consent.scan_name == "scan.pdf"
    assert consent.session_hash == ""


def withdrawn(cast: SimpleNamespace) -> Bilan:
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    bilan.withdraw_consent(by=cast.beneficiary)
    return bilan


def test_the_rule_of_a_withdrawn_consent(cast: SimpleNamespace) -> None:
    assert not cast.bilan.consent_withdrawn  # never consented: not a withdrawal
    bilan = withdrawn(cast)
    assert bilan.consent_withdrawn
    assert list(Bilan.objects.consent_withdrawn()) == [bilan]
    bilan.record_consent(by=cast.beneficiary, method=ConsentMethod.ONLINE)
    assert not bilan.consent_withdrawn


@pytest.mark.usefixtures("booking_window_to_2031")
def test_no_entretien_reminder_to_her_after_a_withdrawal(cast: SimpleNamespace) -> None:
    bilan = advance_to(cast.bilan, Status.PRELIMINARY)
    Entretien.schedule(
        bilan=bilan,
        by=cast.consultant,
        starts_at=dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS),
        planned_minutes=60,
        modality=Modality.IN_PERSON,
        place="Salle 2",
    )
    bilan.withdraw_consent(by=cast.beneficiary)
    mail.outbox = []
    send_entretien_reminders(now=dt.datetime(2030, 7, 1, 18, 0, tzinfo=PARIS))
    send_entretien_reminders(now=dt.datetime(2030, 7, 1, 18, 15, tzinfo=PARIS))
    assert [m.to for m in mail.outbox] == [[cast.consultant.email]]


def test_no_message_digest_to_her_after_a_withdrawal(cast: SimpleNamespace) -> None:
    bilan = withdrawn(cast)
    message = post_message(bilan=bilan, by=cast.consultant, text="Bonjour")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=30)
    )
    mail.outbox = []
    assert send_message_digests() == 0
    assert mail.outbox == []
    bilan.record_consent(by=cast.beneficiary, method=ConsentMethod.ONLINE)
    assert send_message_digests() == 1
    assert [m.to for m in mail.outbox] == [[cast.beneficiary.email]]


def test_no_suivi_invitation_to_her_after_a_withdrawal(cast: SimpleNamespace) -> None:
    bilan = advance_to(cast.bilan, Status.CLOSED)
    entretien = Suivi.objects.get(bilan=bilan).entretien
    assert entretien is not None
    start = entretien.starts_at
    bilan.withdraw_consent(by=cast.beneficiary)
    mail.outbox = []
    assert followup_tasks.send_suivi_invitations(now=start - dt.timedelta(days=14)) == 0
    assert mail.outbox == []
