"""Remote sessions (REQ-57, REQ-21): the video link in the beneficiary's space with recording
off, and her connection recorded when she opens it from there; the ledger then counts it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.bilans.models import Bilan, Phase, Status
from bilan.demo.scenario import advance_to, sign_both
from bilan.entretiens.ledger import hours_ledger
from bilan.entretiens.models import Entretien, Modality, PresenceKind, RemotePresence

LINK = "https://visio.example.eu/salle-bruno"


@pytest.fixture
def bilan(cast: SimpleNamespace) -> Bilan:
    return advance_to(cast.bilan, Status.PRELIMINARY)


def video(bilan: Bilan, *, minutes_from_now: int) -> Entretien:
    entretien = Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase=Phase.PRELIMINARY,
        starts_at=timezone.now() + dt.timedelta(minutes=minutes_from_now),
        planned_minutes=60,
        modality=Modality.VIDEO,
    )
    Entretien.objects.filter(pk=entretien.pk).update(video_link=LINK)
    entretien.refresh_from_db()
    return entretien


def test_the_home_shows_the_video_link_with_recording_off(
    bilan: Bilan, cast: SimpleNamespace, client: Client
) -> None:
    entretien = video(bilan, minutes_from_now=-10)  # under way
    client.force_login(cast.beneficiary)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:entretien_join", args=[entretien.pk]) in page
    assert "Enregistrement désactivé" in page


def test_opening_the_link_records_the_join_and_redirects(
    bilan: Bilan, cast: SimpleNamespace, client: Client
) -> None:
    entretien = video(bilan, minutes_from_now=-5)
    client.force_login(cast.beneficiary)
    response = client.get(
        reverse("portal:entretien_join", args=[entretien.pk]),
        HTTP_USER_AGENT="Navigateur",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302 and response["Location"] == LINK
    join = RemotePresence.objects.get(entretien=entretien)
    assert join.kind == PresenceKind.JOIN and join.user == cast.beneficiary
    assert join.ip_hash and "203.0.113.9" not in join.ip_hash and join.user_agent == "Navigateur"
    # held and signed by both: with the join, the ledger counts it
    Entretien.objects.filter(pk=entretien.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=70)
    )
    entretien.refresh_from_db()
    before = hours_ledger(bilan).delivered_accompaniment
    entretien.mark_held(by=cast.consultant)
    sign_both(entretien)
    assert hours_ledger(bilan).delivered_accompaniment == before + 60


def test_too_early_nothing_is_recorded(bilan: Bilan, cast: SimpleNamespace, client: Client) -> None:
    entretien = video(bilan, minutes_from_now=120)
    client.force_login(cast.beneficiary)
    response = client.get(reverse("portal:entretien_join", args=[entretien.pk]), follow=True)
    assert "ouvre 30 minutes avant l" in response.content.decode()
    assert not RemotePresence.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("other_beneficiary", 404), ("consultant", 403)])
def test_nobody_else_joins_for_her(
    bilan: Bilan, cast: SimpleNamespace, client: Client, who: str, status: int
) -> None:
    entretien = video(bilan, minutes_from_now=-5)
    client.force_login(getattr(cast, who))
    assert client.get(reverse("portal:entretien_join", args=[entretien.pk])).status_code == status
    assert not RemotePresence.objects.exists()
