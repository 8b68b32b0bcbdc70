"""Every date a person enters is bounded (issue 11 item 12): the owner refuses year 0, 9999 or
1850 with a French message and saves nothing, and the database refuses what slips past."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from bilan.accounts.models import ApiToken
from bilan.bilans.models import Bilan, RuleViolation
from bilan.exchanges.journal import write_entry
from bilan.exchanges.models import JournalEntry
from bilan.followup.actionplan import clean_fields
from bilan.organisations.forms import HoursRuleForm, OrganisationForm

FAR = dt.date(9999, 12, 31)
OLD = dt.date(1850, 1, 1)


@pytest.mark.parametrize(
    ("day", "message"), [(FAR, "dans le futur"), (OLD, "indiquez une date entre le 01/01/1900")]
)
def test_a_journal_entry_dated_out_of_bounds_is_refused_and_nothing_saved(
    cast: SimpleNamespace, day: dt.date, message: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        write_entry(bilan=cast.bilan, by=cast.beneficiary, text="Mon texte", entry_date=day)
    assert message in refused.value.messages[0]
    assert not JournalEntry.objects.filter(bilan=cast.bilan).exists()


def test_the_api_answers_422_for_a_journal_entry_of_year_1850(
    cast: SimpleNamespace, client: Client
) -> None:
    response = client.post(
        f"/api/v1/bilans/{cast.bilan.pk}/journal",
        data=json.dumps({"text": "Mon texte", "entry_date": "1850-01-01"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(cast.beneficiary)}",
    )
    assert response.status_code == 422, response.content
    assert "1900" in response.json()["detail"]
    assert not JournalEntry.objects.filter(bilan=cast.bilan).exists()


def test_an_action_due_in_year_9999_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        clean_fields({"due_on": FAR})
    assert "échéance" in refused.value.messages[0]
    assert clean_fields({"due_on": dt.date.today() + dt.timedelta(days=30)})["due_on"]


@pytest.mark.parametrize("day", ["9999-12-31", "1850-01-01"])
def test_the_organisation_forms_refuse_absurd_dates(cast: SimpleNamespace, day: str) -> None:
    form = OrganisationForm(
        data={"name": cast.org.name, "qualiopi_expires_on": day}, instance=cast.org
    )
    assert not form.is_valid()
    assert "1900" in form.errors["qualiopi_expires_on"][0]
    rule = HoursRuleForm(
        data={"effective_from": day, "max_total": "24", "min_accompaniment": "13", "source": "x"}
    )
    assert not rule.is_valid()
    assert "1900" in rule.errors["effective_from"][0]


def test_the_database_refuses_person_dates_outside_its_window(cast: SimpleNamespace) -> None:
    entry = write_entry(bilan=cast.bilan, by=cast.beneficiary, text="Mon texte")
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(entry_date=dt.date(2500, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Bilan.objects.filter(pk=cast.bilan.pk).update(opened_on=dt.date(1800, 1, 1))
    entry.refresh_from_db()
    assert entry.entry_date == dt.date.today()
