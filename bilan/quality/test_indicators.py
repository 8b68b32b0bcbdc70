"""Results indicators (REQ-36): computed from data, each with its period and n, « en cours »
under the minimum, « aucune donnée » for an empty period; the page and get_indicators."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import (
    Bilan,
    Completion,
    FollowUpDecision,
    RuleViolation,
    Status,
    StatusChange,
)
from bilan.bilans.testing import make_bilan, make_member
from bilan.demo.testing import close
from bilan.organisations.models import Role
from bilan.quality import indicators, surveys
from bilan.quality.models import SurveyInvitation, SurveyKind

STAFF = {"admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"}
TODAY = timezone.localdate()


def figures(cast: SimpleNamespace, **kw: Any) -> dict[str, indicators.Figure]:
    return {f.key: f for f in indicators.compute(cast.org, indicators.period(**kw))}


def closed_like(cast: SimpleNamespace, n: int, *, full: int, accepted: int) -> list[Bilan]:
    """n bilans shaped as closed today (administrative fields only): `full` in full."""
    made = []
    for i in range(n):
        person = make_member(cast.org, f"b{i}@cap.test", Role.BENEFICIARY, "B", f"N{i}")
        bilan = make_bilan(cast.org, person, cast.consultant)
        Bilan.objects.filter(pk=bilan.pk).update(
            status=Status.CLOSED,
            closed_on=TODAY,
            completion=Completion.FULL if i < full else Completion.PARTIAL,
            follow_up_decision=(
                FollowUpDecision.ACCEPTED if i < accepted else FollowUpDecision.REFUSED
            ),
        )
        StatusChange.objects.create(bilan=bilan, from_status="enquiry", to_status="preliminary")
        made.append(bilan)
    return made


def test_an_empty_period_says_there_is_no_data(cast: SimpleNamespace) -> None:
    f = figures(cast, start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31))
    assert all(x.n == 0 and x.status == "no_data" for x in f.values())
    assert f["completed_in_full"].display == "aucune donnée sur la période"


def test_under_five_the_rates_are_in_the_making_with_their_n(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    bilan = close(cast.bilan, monkeypatch)
    f = figures(cast)
    assert f["started"].value == 1 and f["completed"].value == 1
    assert f["completed_in_full"].n == 1 and f["completed_in_full"].status == "building"
    assert f["completed_in_full"].display == "en cours (n < 5)"
    assert f["accompaniment_hours"].n == 1 and f["accompaniment_hours"].value is None
    assert bilan.budget().delivered_accompaniment > 0


def test_the_rates_are_computed_from_the_bilans(
    cast: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = close(cast.bilan, monkeypatch)
    closed_like(cast, 7, full=5, accepted=4)
    interrupted = make_bilan(cast.org, cast.other_beneficiary, cast.colleague)
    StatusChange.objects.create(
        bilan=interrupted, from_status="preliminary", to_status="interrupted"
    )
    f = figures(cast)
    assert f["completed"].n == 8
    # in full: the real one + 5 of 7, among 8 completed + 1 interrupted
    assert f["completed_in_full"].n == 9 and f["completed_in_full"].value == round(600 / 9)
    expected = round(real.budget().delivered_accompaniment / 8 / 60, 1)
    assert f["accompaniment_hours"].value == expected and f["accompaniment_hours"].unit == "h"
    accepted = 4 + (real.follow_up_decision == FollowUpDecision.ACCEPTED)
    assert f["suivi_accepted"].value == round(100 * accepted / 8)
    other = {x.key: x for x in indicators.compute(cast.outsider_org, indicators.period())}
    assert other["completed"].n == 0  # another organisation's bilans never count


def test_satisfaction_comes_from_the_pseudonymised_answers(cast: SimpleNamespace) -> None:
    for i, score in enumerate([5, 4, 2, 5, 3, 4]):
        inv = SurveyInvitation.objects.create(  # as a bilan's « à chaud » would be
            organisation=cast.org, kind=SurveyKind.HOT, email=f"p{i}@x.test", send_on=TODAY,
            question_set=surveys.current_question_set(cast.org, SurveyKind.HOT),
        )  # fmt: skip
        answers = {"overall": score, "objectives": 4, "consultant": 4, "organisation": 4,
                   "recommend": "yes"}  # fmt: skip
        surveys.submit_answer(token=surveys.token_for(inv), answers=answers)
    f = figures(cast)
    assert f["satisfaction_hot"].n == 6 and f["satisfaction_hot"].value == round(400 / 6)
    assert f["satisfaction_cold"].status == "no_data"


def test_a_bad_period_is_refused_in_french(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="commence après sa fin"):
        indicators.period(dt.date(2026, 5, 1), dt.date(2026, 4, 1))
    with pytest.raises(RuleViolation, match="trois ans"):
        indicators.period(dt.date(2020, 1, 1), dt.date(2026, 1, 1))
    assert indicators.period(end=dt.date(2028, 2, 29)).start == dt.date(2027, 3, 1)


def test_the_page_for_every_role(cast: SimpleNamespace) -> None:
    url = reverse("quality:indicators")
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(cast.beneficiary)
    assert client.get(url).status_code == 403
    client.force_login(cast.consultant)
    page = client.get(url + "?start=2024-01-01&end=2024-03-31").content.decode()
    assert "aucune donnée sur la période" in page and "01/01/2024" in page
    bad = client.get(url + "?start=2026-05-01&end=2026-04-01")
    assert bad.status_code == 422 and "commence après sa fin" in bad.content.decode()
    assert client.get(url + "?start=demain").status_code == 422


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.mark.parametrize("who", [*ROLES, None])
def test_get_indicators_for_every_role(api: Api, who: str | None) -> None:
    response = api.get("/quality/indicators?start=2026-01-01&end=2026-12-31", who)
    assert response.status_code == (401 if who is None else 200 if who in STAFF else 403)
    if response.status_code == 200:
        body = response.json()
        assert body["minimum_n"] == 5 and body["start"] == "2026-01-01"
        assert {f["key"] for f in body["figures"]} >= {"started", "satisfaction_hot", "outcomes"}


def test_get_indicators_refuses_a_reversed_period(api: Api) -> None:
    response = api.get("/quality/indicators?start=2026-05-01&end=2026-01-01", "admin")
    assert response.status_code == 422 and "après sa fin" in response.json()["detail"]
