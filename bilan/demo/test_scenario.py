"""The scenario closes through closing's one owner, with the synthèse and the plan d'action made
as the real flow makes them, and it does not redo what a test already did."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bilan.bilans.models import Status
from bilan.demo.scenario import advance_to, conclude
from bilan.documents.models import Synthese, SyntheseStatus
from bilan.followup import closing
from bilan.followup.models import Action, Suivi

pytestmark = pytest.mark.django_db


def test_the_scenario_closes_through_the_owner_with_a_real_synthese(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.CONCLUSIONS)
    assert "la remise du document de synthèse" in closing.missing(cast.bilan)

    advance_to(cast.bilan, Status.CLOSED)

    assert cast.bilan.status == Status.CLOSED
    synthese = Synthese.objects.get(bilan=cast.bilan)
    assert synthese.status == SyntheseStatus.VALIDATED and synthese.handovers.count() == 1
    assert Action.objects.filter(plan__bilan=cast.bilan).count() == 1
    assert Suivi.objects.get(bilan=cast.bilan).entretien is not None  # the accepted suivi


def test_concluding_twice_makes_one_synthese_and_one_action(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.CONCLUSIONS)
    conclude(cast.bilan)
    conclude(cast.bilan)
    advance_to(cast.bilan, Status.CLOSED)
    assert Synthese.objects.filter(bilan=cast.bilan).count() == 1
    assert Action.objects.filter(plan__bilan=cast.bilan).count() == 1
    assert closing.missing(cast.bilan) == []
