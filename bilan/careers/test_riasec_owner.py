"""The latest RIASEC result has one owner (assessments.administrations.latest_result): the
matching profile (careers.profile) and the pistes' prefill (careers.pistes) read the same
result, whichever instrument of the family it came from."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bilan.assessments import administrations
from bilan.assessments.instruments import latest_instruments
from bilan.assessments.models import Administration
from bilan.bilans.models import Status
from bilan.careers import pistes
from bilan.careers.profile import profile_for, referential
from bilan.careers.test_matches import give_riasec
from bilan.demo.scenario import advance_to


@pytest.fixture
def bilan(cast: SimpleNamespace, rome):
    return advance_to(cast.bilan, Status.INVESTIGATION)


def test_the_profile_and_the_pistes_read_the_latest_result_of_the_family(bilan, rome, monkeypatch):
    """A second RIASEC instrument (a new edition under another code): its newer result is
    the one both read; a code hard-coded in either would keep the older riasec_48."""
    family = [*latest_instruments(), SimpleNamespace(code="riasec_60", family="riasec")]
    monkeypatch.setattr(administrations, "latest_instruments", lambda: family)
    older = give_riasec(bilan, S=38, C=30)  # riasec_48: SC
    Administration.objects.filter(pk=older.administration_id).update(
        submitted_at=timezone.now() - dt.timedelta(days=3)
    )
    newer = give_riasec(bilan, R=40, I=35)  # RI
    Administration.objects.filter(pk=newer.administration_id).update(instrument_code="riasec_60")
    assert administrations.latest_result(bilan, family="riasec") == newer
    assert profile_for(bilan, referential(rome)).riasec == newer
    assert pistes.profile_of(bilan).holland_code == newer.scores["code"] != older.scores["code"]


def test_without_a_submitted_riasec_both_have_none(bilan, rome):
    give_riasec(bilan, S=38)
    Administration.objects.update(status="in_progress")
    assert administrations.latest_result(bilan, family="riasec") is None
    assert profile_for(bilan, referential(rome)).riasec is None
    assert pistes.profile_of(bilan).holland_code == ""
