"""The organisation's profile and its dated hour rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from bilan.organisations.models import HoursRule
from bilan.organisations.test_logo import image_upload

URL = reverse("organisations:settings")


@pytest.mark.parametrize(
    "role,status",
    [("admin", 200), ("consultant", 403), ("beneficiary", 403), ("outsider_admin", 200)],
)
def test_only_admins_reach_their_organisation_settings(
    cast: SimpleNamespace, client: Client, role: str, status: int
) -> None:
    client.force_login(getattr(cast, role))
    response = client.get(URL)
    assert response.status_code == status
    if role == "outsider_admin":
        assert "Cap Avenir Conseil" not in response.content.decode()


def profile(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "save_organisation": "1",
        "mfa_grace_days": "14",
        "name": "Cap Avenir",
        "siret": "732 829 320 00074",
        "nda": "11755555575",
        "qualiopi_certificate": "Q-1",
        "qualiopi_expires_on": "2027-06-30",
        "address": "1 rue de la République, 69001 Lyon",
    }
    data.update(changes)
    return data


def test_the_admin_edits_the_profile_and_uploads_a_logo(
    cast: SimpleNamespace, client: Client, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(cast.admin)
    response = client.post(URL, profile(logo=image_upload("logo.png", "PNG")))
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.siret == "73282932000074"
    assert cast.org.qualiopi_expires_on == dt.date(2027, 6, 30)
    assert cast.org.logo.name.startswith("logos/")
    assert client.get("/media/" + cast.org.logo.name).status_code == 200


def test_a_wrong_siret_is_explained_and_nothing_is_saved(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.admin)
    response = client.post(URL, profile(siret="73282932000075", name="Autre nom"))
    assert "clé de contrôle incorrecte" in response.content.decode()
    cast.org.refresh_from_db()
    assert cast.org.name == "Cap Avenir Conseil"


def test_an_expired_qualiopi_certificate_is_flagged(cast: SimpleNamespace, client: Client) -> None:
    cast.org.qualiopi_expires_on = dt.date(2020, 1, 1)
    cast.org.save()
    client.force_login(cast.admin)
    assert "Certificat Qualiopi absent ou expiré" in client.get(URL).content.decode()


def test_the_admin_adds_a_dated_hours_rule_for_the_organisation(
    cast: SimpleNamespace, client: Client
) -> None:
    client.force_login(cast.admin)
    response = client.post(
        URL,
        {
            "add_rule": "1",
            "rule-effective_from": "2026-12-01",
            "rule-max_total": "24",
            "rule-min_accompaniment": "14",
            "rule-count_personal_work": "",
        },
    )
    assert response.status_code == 302
    rule = HoursRule.objects.get(organisation=cast.org)
    assert (rule.min_accompaniment_minutes, rule.count_personal_work) == (14 * 60, False)
    assert HoursRule.in_force(cast.org, dt.date(2026, 12, 2)) == rule
    assert HoursRule.in_force(cast.outsider_org, dt.date(2026, 12, 2)).organisation_id is None


def test_a_rule_over_24_hours_is_refused(cast: SimpleNamespace, client: Client) -> None:
    client.force_login(cast.admin)
    response = client.post(
        URL,
        {
            "add_rule": "1",
            "rule-effective_from": "2026-12-01",
            "rule-max_total": "25",
            "rule-min_accompaniment": "13",
        },
    )
    assert "ne peut excéder 24 h" in response.content.decode()
    assert not HoursRule.objects.filter(organisation=cast.org).exists()
