"""The watch log (REQ-43): entries linked to the configuration change they caused, in the
audit pack's evidence for indicators 23–25; the page and the API for every role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bilan.api.test_api import ROLES, Api
from bilan.bilans.models import RuleViolation
from bilan.organisations.models import HoursRule
from bilan.quality import indicators, pack, watch
from bilan.quality.models import WatchEntry

STAFF = {"admin", "consultant", "colleague", "outsider_admin", "outsider_consultant"}
ADMINS = {"admin", "outsider_admin"}


def entry(cast: SimpleNamespace, **extra: Any) -> WatchEntry:
    fields: dict[str, Any] = dict(
        organisation=cast.org,
        by=cast.admin,
        kind="legal",
        source="JO du 1er mars 2026, décret R6313-4",
        summary="13 h d'accompagnement effectif au minimum.",
        hours_rule=HoursRule.objects.get(organisation=None, effective_from=dt.date(2026, 3, 1)),
    )
    fields.update(extra)
    return watch.record_watch_entry(**fields)


def test_an_entry_names_the_hours_rule_it_caused_and_shows_in_the_pack_evidence(
    cast: SimpleNamespace,
) -> None:
    e = entry(cast)
    assert e.hours_rule is not None and e.noted_on == timezone.localdate()
    evidence = {x.indicator.number: x for x in pack.dashboard(cast.org, indicators.period())}
    assert any("Journal de veille : 1 entrée" in f for f in evidence[23].found)
    assert "Aucune entrée du journal de veille sur la période." in evidence[25].gaps


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"kind": "nope"}, "type de veille"),
        ({"source": " "}, "source"),
        ({"summary": ""}, "source et ce qui change"),
        ({"noted_on": dt.date(2000, 1, 1)}, "cinq dernières années"),
    ],
)
def test_a_bad_entry_is_refused_in_french(
    cast: SimpleNamespace, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        entry(cast, **extra)
    assert not WatchEntry.objects.exists()


def test_only_the_admin_writes_and_only_their_organisations_rules(cast: SimpleNamespace) -> None:
    for who in (cast.consultant, cast.beneficiary, cast.outsider_admin):
        with pytest.raises(RuleViolation, match="administrateur"):
            entry(cast, by=who)
    theirs = HoursRule.objects.create(
        organisation=cast.outsider_org, effective_from=dt.date(2026, 6, 1), source="interne"
    )
    with pytest.raises(RuleViolation, match="pas celle de l'organisme"):
        entry(cast, hours_rule=theirs)
    assert not WatchEntry.objects.exists()


def test_the_page_for_every_role(cast: SimpleNamespace) -> None:
    url = reverse("quality:watch")
    form = {"kind": "jobs", "source": "France Travail, BMO 2026", "summary": "Tensions.",
            "noted_on": "", "hours_rule": "", "configuration_change": "Nouvelles fiches."}  # fmt: skip
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(cast.beneficiary)
    assert client.get(url).status_code == 403
    client.force_login(cast.consultant)
    assert client.get(url).status_code == 200
    assert client.post(url, form).status_code == 403
    client.force_login(cast.admin)
    bad = client.post(url, {**form, "summary": ""})
    assert bad.status_code == 422 and "BMO 2026" in bad.content.decode()
    assert client.post(url, form).status_code == 302
    assert "Nouvelles fiches." in client.get(url).content.decode()


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.mark.parametrize("who", [*ROLES, None])
def test_list_watch_entries_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None
) -> None:
    entry(cast)
    response = api.get("/quality/watch", who)
    assert response.status_code == (401 if who is None else 200 if who in STAFF else 403)
    if response.status_code == 200:
        assert len(response.json()) == (1 if who in {"admin", "consultant", "colleague"} else 0)


@pytest.mark.parametrize("who", [*ROLES, None])
def test_create_watch_entry_for_every_role(api: Api, who: str | None) -> None:
    body = {"kind": "innovation", "source": "Salon Learning Tech", "summary": "Outils d'IA."}
    response = api.post("/quality/watch", who, body)
    assert response.status_code == (401 if who is None else 201 if who in ADMINS else 403)
    assert WatchEntry.objects.count() == (1 if who in ADMINS else 0)


def test_create_watch_entry_refuses_another_organisations_rule(
    api: Api, cast: SimpleNamespace
) -> None:
    theirs = HoursRule.objects.create(
        organisation=cast.outsider_org, effective_from=dt.date(2026, 6, 1), source="interne"
    )
    body = {"kind": "legal", "source": "x", "summary": "y", "hours_rule_id": theirs.pk}
    response = api.post("/quality/watch", "admin", body)
    assert response.status_code == 422 and not WatchEntry.objects.exists()
