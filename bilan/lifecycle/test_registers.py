"""The GDPR registers generated from configuration (issue 16, item 8): the Art. 30 record
(purposes, bases, recipients — funders and employers receive no content —, retention from the
rules table, security), the declared sub-processors, the prefilled DPIA, the breach log with
its 72-hour clock; staff pages and PDF, the administration only."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import RuleViolation
from bilan.lifecycle import registers, retention
from bilan.lifecycle.models import Breach, RetentionRule

ADMINS = ("admin", "outsider_admin")


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


def test_the_record_comes_from_configuration(cast: SimpleNamespace, settings: Settings) -> None:
    settings.SUBPROCESSORS = [
        {
            "name": "Hébergeur SAS",
            "service": "hébergement",
            "location": "France",
            "guarantees": "HDS non requis",
        }
    ]
    record = registers.article30(cast.org)
    purposes = [t["purpose"] for t in record["treatments"]]
    assert any("bilan de compétences" in p for p in purposes)
    assert any("Contrat" in t["basis"] for t in record["treatments"])
    assert any("ne reçoivent aucun contenu" in r for r in record["recipients"])
    assert any("L'employeur : aucun contenu" in r for r in record["recipients"])
    assert record["subprocessors"][0]["name"] == "Hébergeur SAS"
    travail = record["treatments"][0]["classes"][0]
    assert travail["rule"].agreement_max_months == 36
    # Retention is read from the rules table, not copied: a confirmed organisation rule shows.
    general = RetentionRule.objects.get(organisation=None, data_class="admin_contrat")
    own = retention.confirm_rule(rule=general, by=cast.admin)
    admin_class = next(
        t for t in registers.article30(cast.org)["treatments"] if "administrative" in t["purpose"]
    )
    assert admin_class["classes"][0]["rule"] == own


def test_the_dpia_is_prefilled_and_required(cast: SimpleNamespace) -> None:
    dpia = registers.dpia(cast.org)
    assert dpia["required"] and sum(1 for _label, met in dpia["criteria"] if met) >= 2


@pytest.mark.parametrize("who", ROLES)
def test_the_register_pages_are_the_admin_ones(
    client: Client, cast: SimpleNamespace, who: str
) -> None:
    client.force_login(getattr(cast, who))
    for url in (
        "/donnees/registres/article-30/",
        "/donnees/registres/aipd/",
        "/donnees/violations/",
    ):
        response = client.get(url)
        assert response.status_code == (200 if who in ADMINS else 403), url
    if who == "admin":
        page = client.get("/donnees/registres/article-30/").content.decode()
        assert "ne reçoivent aucun contenu" in page and "Aucun sous-traitant déclaré" in page
        assert cast.org.name in page


def test_the_pdfs(client: Client, cast: SimpleNamespace) -> None:
    client.force_login(cast.admin)
    for url in ("/donnees/registres/article-30.pdf", "/donnees/registres/aipd.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.force_login(cast.consultant)
    assert client.get("/donnees/registres/article-30.pdf").status_code == 403


def test_the_breach_log_and_its_72_hour_clock(client: Client, cast: SimpleNamespace) -> None:
    now = timezone.now()
    breach = registers.record_breach(
        by=cast.admin,
        detected_at=now - dt.timedelta(hours=10),
        description="Envoi d'un e-mail au mauvais destinataire",
        data_categories="nom, adresse e-mail",
        people_count=1,
    )
    assert breach.notify_by == breach.detected_at + dt.timedelta(hours=72)
    assert 61 < registers.hours_left(breach, now) < 63
    client.force_login(cast.admin)
    page = client.get("/donnees/violations/").content.decode()
    assert "h restantes" in page
    late = registers.record_breach(
        by=cast.admin,
        detected_at=now - dt.timedelta(hours=80),
        description="Perte d'un ordinateur",
        data_categories="notes",
    )
    assert "délai de 72 h dépassé" in client.get("/donnees/violations/").content.decode()
    client.post(f"/donnees/violations/{breach.pk}/notifiee/")
    client.post(f"/donnees/violations/{late.pk}/notifiee/", {"reason": "Chiffré : aucun risque"})
    breach.refresh_from_db()
    late.refresh_from_db()
    assert breach.cnil_notified_at is not None and late.no_notification_reason
    with pytest.raises(RuleViolation, match="déjà traitée"):
        registers.mark_notified(breach=breach, by=cast.admin)


def test_a_breach_needs_a_description_and_a_past_date(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="Décrivez"):
        registers.record_breach(
            by=cast.admin, detected_at=timezone.now(), description=" ", data_categories="x"
        )
    with pytest.raises(RuleViolation, match="futur"):
        registers.record_breach(
            by=cast.admin,
            detected_at=timezone.now() + dt.timedelta(days=1),
            description="x",
            data_categories="x",
        )
    assert not Breach.objects.exists()


@pytest.mark.parametrize("who", ROLES)
def test_record_breach(api: Api, cast: SimpleNamespace, who: str) -> None:
    body = {
        "detected_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "description": "Fuite",
        "data_categories": "noms",
    }
    response = api.post("/breaches", who, body)
    assert response.status_code == (201 if who in ADMINS else 403), response.json()
    if response.status_code == 201:
        assert response.json()["notify_by"]


@pytest.mark.parametrize("who", ROLES)
def test_list_and_notify_breach(api: Api, cast: SimpleNamespace, who: str) -> None:
    breach = registers.record_breach(
        by=cast.admin, detected_at=timezone.now(), description="Fuite", data_categories="noms"
    )
    listed = api.get("/breaches", who)
    assert listed.status_code == (200 if who in ADMINS else 403)
    if who in ADMINS:
        assert len(listed.json()) == (1 if who == "admin" else 0)
    response = api.post(f"/breaches/{breach.pk}/notified", who, {})
    expected = {"admin": 200, "outsider_admin": 404}
    assert response.status_code == expected.get(who, 403)
    breach.refresh_from_db()
    assert (breach.cnil_notified_at is not None) == (who == "admin")
