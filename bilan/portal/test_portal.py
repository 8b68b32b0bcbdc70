"""The beneficiary's space: their own bilan only, consent, co-validation of the modalités."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import ConsentMethod, Status
from bilan.compliance.models import AuditEvent
from bilan.demo.scenario import advance_to
from bilan.entretiens.models import Entretien


@pytest.mark.parametrize(
    "role,status",
    [
        ("beneficiary", 200),
        ("other_beneficiary", 404),
        ("consultant", 403),
        ("admin", 403),
        ("outsider_admin", 403),
    ],
)
def test_only_the_beneficiary_reaches_the_consent_page_of_their_bilan(cast, client, role, status):
    client.force_login(getattr(cast, role))
    assert client.get(reverse("portal:consent", args=[cast.bilan.pk])).status_code == status


@pytest.mark.parametrize(
    "name", ["portal:consent", "portal:validate_arrangements", "portal:withdraw_consent"]
)
def test_another_beneficiary_cannot_act_on_my_bilan(cast, client, name):
    client.force_login(cast.other_beneficiary)
    assert client.post(reverse(name, args=[cast.bilan.pk]), {"accept": "yes"}).status_code == 404
    assert cast.bilan.active_consent() is None


def test_staff_have_no_beneficiary_space(cast, client):
    client.force_login(cast.consultant)
    assert client.get(reverse("portal:home")).status_code == 403


def test_the_beneficiary_reads_the_notice_and_consents_online(cast, client):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:consent", args=[cast.bilan.pk])).content.decode()
    assert "art. L6313-4" in page and settings.INFORMATION_NOTICE_VERSION in page
    response = client.post(
        reverse("portal:consent", args=[cast.bilan.pk]),
        {"accept": "yes", "notice_version": settings.INFORMATION_NOTICE_VERSION},
    )
    assert response.status_code == 302
    consent = cast.bilan.active_consent()
    assert consent.method == ConsentMethod.ONLINE
    assert consent.notice_version == settings.INFORMATION_NOTICE_VERSION
    assert consent.recorded_by == cast.beneficiary


def test_consent_needs_the_box_ticked(cast, client):
    client.force_login(cast.beneficiary)
    response = client.post(reverse("portal:consent", args=[cast.bilan.pk]), {}, follow=True)
    assert "Cochez la case" in response.content.decode()
    assert cast.bilan.active_consent() is None


def test_the_home_shows_my_bilan_my_next_entretien_and_what_to_do(cast, client):
    Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        phase="preliminary",
        starts_at=timezone.now() + dt.timedelta(days=3),
        planned_minutes=90,
        title="Premier rendez-vous",
    )
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Premier rendez-vous" in page
    assert "donner mon consentement" in page
    assert "Olga" not in page  # nothing of another beneficiary


def test_the_beneficiary_co_validates_the_modalites(cast, client):
    advance_to(cast.bilan, Status.PRELIMINARY, beneficiary_validates=False)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Valider les modalités de mon bilan" in page
    assert "Entretiens de 2 h le mardi matin" in page
    client.post(reverse("portal:validate_arrangements", args=[cast.bilan.pk]))
    assert cast.bilan.framing_or_empty().arrangements_beneficiary_validated_at is not None
    cast.bilan.open_investigation(by=cast.consultant)
    assert cast.bilan.status == Status.INVESTIGATION


def test_withdrawing_consent_interrupts_the_bilan(cast, client):
    advance_to(cast.bilan, Status.PRELIMINARY)
    client.force_login(cast.beneficiary)
    client.post(reverse("portal:withdraw_consent", args=[cast.bilan.pk]))
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.INTERRUPTED
    assert cast.bilan.stop_reason == "consent_withdrawn"


def test_the_beneficiary_pages_are_usable_on_a_phone(cast, client):
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


def test_the_beneficiary_reads_their_own_framing_without_an_audit_row(cast, client):
    advance_to(cast.bilan, Status.PRELIMINARY)
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Je voudrais savoir si je peux changer de métier." in page
    assert "Validées par moi le" in page
    assert not AuditEvent.objects.exists()
