"""The 2026 CPF rules as dated data (issue 13 item 2): the €1,600 cap (boundary), accompaniment
hours only, the 5-year question, the participation and its exemptions, the CGU version, the
table « à vérifier au JO » until an administrator confirms it, for every role."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.bilans.models import Bilan, RuleViolation, Situation
from bilan.funding import cpf, rules
from bilan.funding.models import CpfRule, Exemption
from bilan.funding.rules import FileInput
from bilan.funding.testing import certify, employer, personal
from bilan.funding.testing import cpf as cpf_share

READY = FileInput(prior_bilan_answer="no", cpf_cgu_version="v12")


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture(autouse=True)
def _opened_in_personal_funds(cast: SimpleNamespace) -> None:
    """A bilan opened in personal funds: choosing the CPF (or a funded route) is new."""
    Bilan.objects.filter(pk=cast.bilan.pk).update(funding_route="personal", funding_reference="")
    cast.bilan.refresh_from_db()


@pytest.fixture(autouse=True)
def _certified(cast: SimpleNamespace) -> None:
    certify(cast.org)  # the Qualiopi gate has its own tests (test_qualiopi.py)


def fund(
    bilan: Bilan,
    by: Any,
    *shares: rules.ShareInput,
    price: str | None = None,
    file: FileInput = READY,
) -> None:
    rules.set_funding(
        bilan=bilan,
        by=by,
        shares=list(shares),
        price=Decimal(price) if price else None,
        file=file,
    )


def test_the_2026_rule_is_seeded_with_its_texts_and_to_verify(cast: SimpleNamespace) -> None:
    rule = CpfRule.in_force(dt.date(2026, 6, 1))
    assert (rule.cap_per_bilan, rule.participation, rule.prior_bilan_years) == (
        Decimal("1600.00"),
        Decimal("103.20"),
        5,
    )
    assert "2026-127" in rule.cap_source and "2026-126" in rule.prior_bilan_source
    assert rule.to_verify
    assert CpfRule.in_force(dt.date(2025, 6, 1)).participation == Decimal("102.23")


def test_a_cpf_share_of_1600_00_is_accepted(cast: SimpleNamespace) -> None:
    fund(cast.bilan, cast.consultant, cpf_share("1600.00"))
    assert rules.shares_of(rules.funding_of(cast.bilan))[0].amount == Decimal("1600.00")


def test_a_cpf_share_of_1600_01_is_refused_naming_the_cap_and_its_decree(
    cast: SimpleNamespace,
) -> None:
    with pytest.raises(RuleViolation) as refused:
        fund(cast.bilan, cast.consultant, cpf_share("1600.01"))
    message = refused.value.messages[0]
    assert "1\u202f600,01 € > plafond de 1\u202f600,00 € par bilan" in message
    assert "décret n° 2026-127" in message and "à vérifier au JO" in message
    assert rules.shares_of(rules.funding_of(cast.bilan))[0].amount == Decimal("0.00")


def test_the_cap_comes_from_the_table_not_the_code(cast: SimpleNamespace) -> None:
    CpfRule.objects.filter(year=2026).update(cap_per_bilan=Decimal("1500.00"))
    with pytest.raises(RuleViolation) as refused:
        fund(cast.bilan, cast.consultant, cpf_share("1500.01"))
    assert "plafond de 1\u202f500,00 €" in refused.value.messages[0]


def test_only_accompaniment_hours_are_cpf_fundable(cast: SimpleNamespace) -> None:
    Bilan.objects.filter(pk=cast.bilan.pk).update(
        planned_accompaniment_minutes=12 * 60, planned_personal_minutes=12 * 60
    )
    cast.bilan.refresh_from_db()
    with pytest.raises(RuleViolation, match="seules les heures d'accompagnement"):
        fund(cast.bilan, cast.consultant, cpf_share("800.01"), personal("799.99"), price="1600")
    fund(cast.bilan, cast.consultant, cpf_share("800.00"), personal("800.00"), price="1600")


def test_the_cpf_route_needs_the_5_year_question_answered(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="moins de 5 ans"):
        fund(cast.bilan, cast.consultant, cpf_share(), file=FileInput(cpf_cgu_version="v12"))


def test_yes_to_the_5_year_question_blocks_the_cpf_route_only(cast: SimpleNamespace) -> None:
    yes = FileInput(prior_bilan_answer="yes")
    with pytest.raises(RuleViolation) as refused:
        fund(cast.bilan, cast.consultant, cpf_share(), file=yes)
    assert "décret n° 2026-126" in refused.value.messages[0]
    assert "autres financements restent possibles" in refused.value.messages[0]
    fund(cast.bilan, cast.consultant, employer("1800.00"), file=yes)
    funding = rules.funding_of(cast.bilan)
    assert (funding.prior_bilan_answer, funding.prior_bilan_answered_on) == (
        "yes",
        timezone.localdate(),
    )


def test_the_cgu_version_is_required_and_stored_on_a_cpf_file(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="version des CGU"):
        fund(cast.bilan, cast.consultant, cpf_share(), file=FileInput(prior_bilan_answer="no"))
    fund(cast.bilan, cast.consultant, cpf_share(), file=READY)
    assert rules.funding_of(cast.bilan).cpf_cgu_version == "v12"


@pytest.mark.parametrize(
    ("situation", "shares", "declared", "amount", "exemption"),
    [
        (Situation.EMPLOYEE, [cpf_share()], "", "103.20", ""),
        (Situation.JOB_SEEKER, [cpf_share()], "", "0.00", Exemption.JOB_SEEKER),
        (Situation.EMPLOYEE, [cpf_share(), employer()], "", "0.00", Exemption.ABONDEMENT),
        (Situation.EMPLOYEE, [cpf_share()], Exemption.C2P, "0.00", Exemption.C2P),
        (Situation.SELF_EMPLOYED, [cpf_share()], Exemption.AT_MP, "0.00", Exemption.AT_MP),
        (Situation.EMPLOYEE, [cpf_share(), personal()], "", "103.20", ""),
    ],
)
def test_the_participation_and_its_exemptions(
    cast: SimpleNamespace,
    situation: str,
    shares: list[rules.ShareInput],
    declared: str,
    amount: str,
    exemption: str,
) -> None:
    due = cpf.participation(
        rule=CpfRule.in_force(dt.date(2026, 6, 1)),
        situation=situation,
        shares=shares,
        declared=declared,
    )
    assert (due.amount, due.exemption) == (Decimal(amount), exemption)
    assert (due.collected_by, due.invoiced_by_provider) == ("cdc", False)


def test_only_c2p_and_at_mp_are_declared_exemptions(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="C2P et AT/MP"):
        fund(cast.bilan, cast.consultant, cpf_share(), file=FileInput("no", "job_seeker", "v12"))


# ---- confirming the table ------------------------------------------------------------------


def test_an_admin_confirms_a_rule_and_it_is_no_longer_to_verify(cast: SimpleNamespace) -> None:
    rule = CpfRule.objects.get(year=2026)
    cpf.confirm_rule(rule_id=rule.pk, by=cast.admin)
    rule.refresh_from_db()
    assert (rule.to_verify, rule.confirmed_by) == (False, cast.admin)
    with pytest.raises(RuleViolation, match="déjà confirmée"):
        cpf.confirm_rule(rule_id=rule.pk, by=cast.admin)


def test_a_consultant_cannot_confirm_a_rule(cast: SimpleNamespace) -> None:
    rule = CpfRule.objects.get(year=2026)
    with pytest.raises(RuleViolation) as refused:
        cpf.confirm_rule(rule_id=rule.pk, by=cast.consultant)
    assert refused.value.code == "forbidden"
    assert CpfRule.objects.get(pk=rule.pk).to_verify


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [
        ("admin", 200, 302),
        ("consultant", 200, 403),
        ("beneficiary", 403, 403),
        ("outsider_admin", 200, 302),
    ],
)
def test_the_cpf_rules_page_for_every_role(
    cast: SimpleNamespace, who: str, get: int, post: int
) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    response = client.get("/financement/regles-cpf/")
    assert response.status_code == get
    if get == 200:
        assert "à vérifier au JO" in response.content.decode()
    rule = CpfRule.objects.get(year=2026)
    assert client.post("/financement/regles-cpf/", {"rule": rule.pk}).status_code == post
    assert CpfRule.objects.get(pk=rule.pk).to_verify is (post != 302)


@pytest.mark.parametrize(
    ("who", "listed", "confirmed"),
    [
        ("admin", 200, 200),
        ("consultant", 200, 403),
        ("beneficiary", 403, 403),
        (None, 401, 401),
    ],
)
def test_the_cpf_rules_api_for_every_role(
    api: Api, who: str | None, listed: int, confirmed: int
) -> None:
    assert api.get("/cpf-rules", who).status_code == listed
    rule = CpfRule.objects.get(year=2026)
    response = api.post(f"/cpf-rules/{rule.pk}/confirm", who, {})
    assert response.status_code == confirmed
    if confirmed == 200:
        assert response.json()["to_verify"] is False
        assert api.post(f"/cpf-rules/{rule.pk}/confirm", who, {}).status_code == 409


def test_set_funding_over_the_cap_is_a_422_naming_the_decree(
    api: Api, cast: SimpleNamespace
) -> None:
    body: dict[str, Any] = {
        "shares": [{"route": "cpf", "amount": "1600.01", "reference": "CPF-1"}],
        "prior_bilan_answer": "no",
        "cpf_cgu_version": "v12",
    }
    response = api.client.put(
        f"/api/v1/bilans/{cast.bilan.pk}/funding",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens['consultant']}"},
    )
    assert response.status_code == 422
    assert "décret n° 2026-127" in response.json()["detail"]
    ok = api.client.put(
        f"/api/v1/bilans/{cast.bilan.pk}/funding",
        data=json.dumps({**body, "shares": [{**body["shares"][0], "amount": "1600.00"}]}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens['consultant']}"},
    )
    assert ok.status_code == 200
    assert ok.json()["participation"] == {
        "amount": "103.20",
        "exemption": "",
        "collected_by": "cdc",
        "invoiced_by_provider": False,
    }
    assert ok.json()["prior_bilan_answered_on"] == timezone.localdate().isoformat()
