"""The information notice as versioned server-side data (issue 16, item 4, REQ-58): the
version recorded with a consent is the server's, a forged one is ignored (page) or refused
(API); a changed notice is shown again at the next login and acknowledged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import ConsentMethod
from bilan.lifecycle import notice
from bilan.lifecycle.models import InformationNotice, NoticeAcknowledgement


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def consent_url(cast: SimpleNamespace) -> str:
    return reverse("portal:consent", args=[cast.bilan.pk])


@pytest.mark.django_db
def test_the_notice_in_force_is_data() -> None:
    assert notice.current_version() == "2026-11"
    notice.publish(version="2027-01", changes="Nouveau sous-traitant d'hébergement")
    assert notice.current_version() == "2027-01"
    notice.publish(
        version="2027-06", changes="Plus tard", now=timezone.now() + dt.timedelta(days=9)
    )
    assert notice.current_version() == "2027-01"  # not yet published


def test_the_consent_records_the_version_the_page_showed_whatever_the_form_says(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.beneficiary)
    page = client.get(consent_url(cast)).content.decode()
    assert "2026-11" in page and 'name="notice_version"' not in page
    response = client.post(consent_url(cast), {"accept": "yes", "notice_version": "1999-01"})
    assert response.status_code == 302
    assert cast.bilan.active_consent().notice_version == "2026-11"


def test_a_consent_posted_without_the_notice_shown_is_refused(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.beneficiary)
    response = client.post(consent_url(cast), {"accept": "yes"}, follow=True)
    assert "relisez-la" in response.content.decode()
    assert cast.bilan.active_consent() is None


def test_a_notice_changed_since_it_was_shown_is_refused(
    client: Client, cast: SimpleNamespace
) -> None:
    client.force_login(cast.beneficiary)
    client.get(consent_url(cast))
    notice.publish(version="2027-01", changes="Changement")
    response = client.post(consent_url(cast), {"accept": "yes"}, follow=True)
    assert "version en vigueur : 2027-01" in response.content.decode()
    assert cast.bilan.active_consent() is None
    client.get(consent_url(cast))
    client.post(consent_url(cast), {"accept": "yes"})
    assert cast.bilan.active_consent().notice_version == "2027-01"


def test_the_api_records_the_server_version(api: Api, cast: SimpleNamespace) -> None:
    notice.publish(version="2027-01", changes="Changement")
    response = api.post(f"/bilans/{cast.bilan.pk}/consent", "beneficiary", {"method": "online"})
    assert response.status_code == 201 and response.json()["notice_version"] == "2027-01"


def test_paper_consent_records_the_version_in_force(cast: SimpleNamespace) -> None:
    scan = SimpleUploadedFile("consentement.pdf", b"%PDF-1.4\n%%EOF\n")
    consent = cast.bilan.record_consent(by=cast.consultant, method=ConsentMethod.PAPER, scan=scan)
    assert consent.notice_version == "2026-11"


# ---- shown again at the next login -----------------------------------------------------------


def consented(cast: SimpleNamespace) -> None:
    cast.bilan.record_consent(by=cast.beneficiary, method=ConsentMethod.ONLINE)


def test_a_changed_notice_is_shown_at_the_next_login_and_acknowledged(
    client: Client, cast: SimpleNamespace
) -> None:
    consented(cast)
    client.force_login(cast.beneficiary)
    assert client.get("/espace/").status_code == 200  # nothing changed
    notice.publish(version="2027-01", changes="Nouveau sous-traitant d'hébergement")
    assert client.get("/espace/").status_code == 200  # shown at the next login, not mid-session
    client.logout()
    client.force_login(cast.beneficiary)
    response = client.get("/espace/mes-donnees/")
    assert response.status_code == 302
    assert response["Location"] == "/espace/notice/?next=/espace/mes-donnees/"
    page = client.get(response["Location"]).content.decode()
    assert "a changé" in page and "Nouveau sous-traitant" in page and "2027-01" in page
    response = client.post("/espace/notice/", {"next": "/espace/mes-donnees/"})
    assert response.status_code == 302 and response["Location"] == "/espace/mes-donnees/"
    ack = NoticeAcknowledgement.objects.get(user=cast.beneficiary)
    assert ack.version == "2027-01" and ack.session_hash
    assert client.get("/espace/").status_code == 200
    client.logout()
    client.force_login(cast.beneficiary)
    assert client.get("/espace/").status_code == 200  # acknowledged once for all


def test_the_acknowledgement_keeps_the_server_version(
    client: Client, cast: SimpleNamespace
) -> None:
    consented(cast)
    notice.publish(version="2027-01", changes="x")
    client.force_login(cast.beneficiary)
    client.post("/espace/notice/", {"version": "1999-01", "next": "https://evil.test/"})
    assert NoticeAcknowledgement.objects.get().version == "2027-01"


def test_no_notice_to_read_again_without_a_consent_under_an_older_one(
    client: Client, cast: SimpleNamespace
) -> None:
    notice.publish(version="2027-01", changes="x")
    client.force_login(cast.beneficiary)
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize("who", ["admin", "consultant"])
def test_staff_pages_are_not_redirected(client: Client, cast: SimpleNamespace, who: str) -> None:
    consented(cast)
    notice.publish(version="2027-01", changes="x")
    client.force_login(getattr(cast, who))
    assert client.get("/").status_code == 200
    assert client.get("/espace/notice/").status_code == 403


# ---- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_get_information_notice(api: Api, cast: SimpleNamespace, who: str) -> None:
    consented(cast)
    notice.publish(version="2027-01", changes="x")
    response = api.get("/information-notice", who)
    assert response.status_code == 200
    assert response.json()["version"] == "2027-01"
    assert response.json()["acknowledgement_due"] == (who == "beneficiary")


@pytest.mark.parametrize("who", ROLES)
def test_acknowledge_information_notice(api: Api, cast: SimpleNamespace, who: str) -> None:
    consented(cast)
    notice.publish(version="2027-01", changes="x")
    response = api.post("/information-notice/acknowledge", who, {})
    beneficiary = who.endswith("beneficiary")
    assert response.status_code == (200 if beneficiary else 403)
    assert NoticeAcknowledgement.objects.count() == (1 if beneficiary else 0)
    if who == "beneficiary":
        assert response.json()["acknowledgement_due"] is False
        assert InformationNotice.objects.count() == 2
