"""Helpers for the followup tests: a bilan in conclusions with a plan, the synthèse stubbed as
validated and handed over, and a closed bilan with its suivi booked."""

from __future__ import annotations

import datetime as dt

import pytest

from bilan.bilans.models import Bilan, Status
from bilan.demo.scenario import advance_to
from bilan.followup import actionplan, closing
from bilan.followup.models import Action

SYNTHESE_OK = {"validated": True, "handed_over": True, "label": "validée et remise"}
SYNTHESE_MISSING = {"validated": False, "handed_over": False, "label": "brouillon"}


def stub_synthese(monkeypatch, status: dict = SYNTHESE_OK) -> None:  # noqa: ANN001
    monkeypatch.setattr(closing, "synthese_status", lambda bilan: dict(status))


def add_action(bilan: Bilan, by=None, **extra) -> Action:  # noqa: ANN001, ANN003
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


def close(bilan: Bilan, monkeypatch) -> Bilan:  # noqa: ANN001
    """Conclusions, one action, synthèse stubbed, closed (the suivi accepted: booked)."""
    in_conclusions(bilan)
    if not Action.objects.filter(plan__bilan=bilan).exists():
        add_action(bilan)
    stub_synthese(monkeypatch)
    return closing.close_bilan(bilan=bilan, by=bilan.consultant)


@pytest.fixture
def closed_bilan(cast, monkeypatch, mailoutbox):  # noqa: ANN001, ANN201
    bilan = close(cast.bilan, monkeypatch)
    mailoutbox.clear()
    return bilan
