"""Helpers for the followup tests: a bilan in conclusions with a plan, the synthèse stubbed as
validated and handed over, and a closed bilan with its suivi booked (built on the demo
scenario, so they sit in bilan/demo/)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.mail import EmailMessage

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, Status
from bilan.demo.scenario import advance_to
from bilan.followup import actionplan, closing
from bilan.followup.models import Action

SYNTHESE_OK: dict[str, Any] = {"validated": True, "handed_over": True, "label": "validée et remise"}
SYNTHESE_MISSING: dict[str, Any] = {"validated": False, "handed_over": False, "label": "brouillon"}


def stub_synthese(monkeypatch: pytest.MonkeyPatch, status: dict[str, Any] = SYNTHESE_OK) -> None:
    monkeypatch.setattr(closing, "synthese_status", lambda bilan: dict(status))


def add_action(bilan: Bilan, by: User | None = None, **extra: Any) -> Action:
    fields = {
        "what": "Suivre la formation de moniteur-éducateur",
        "first_step": "Appeler l'IRTS pour les dates de sélection",
        "due_on": dt.date(2027, 3, 1),
        "training": "DEME en alternance",
        "funding": "Transition Pro",
        "people": "Mme Durand, éducatrice",
        "obstacles": "Le financement",
        "overcome": "Déposer le dossier tôt",
        **extra,
    }
    return actionplan.create_action(bilan=bilan, by=by or bilan.consultant, **fields)


def in_conclusions(bilan: Bilan) -> Bilan:
    return advance_to(bilan, Status.CONCLUSIONS)


def close(bilan: Bilan, monkeypatch: pytest.MonkeyPatch) -> Bilan:
    """Conclusions, one action, synthèse stubbed, closed (the suivi accepted: booked)."""
    in_conclusions(bilan)
    if not Action.objects.filter(plan__bilan=bilan).exists():
        add_action(bilan)
    stub_synthese(monkeypatch)
    return closing.close_bilan(bilan=bilan, by=bilan.consultant)


@pytest.fixture
def closed_bilan(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, mailoutbox: list[EmailMessage]
) -> Bilan:
    bilan = close(cast.bilan, monkeypatch)
    mailoutbox.clear()
    return bilan
