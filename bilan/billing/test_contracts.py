"""The personal-funds contract (L6353-3 to -7 C. trav.): terms of sale and mediator required,
the withdrawal period as dated data (14 days by default, per organisation), « Se rétracter »
on day 14 but not day 15, no instalment before the period ends, 30 % at most then (30 % + 1
cent refused), the balance spread over milestones; each refusal names its article."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bilan.bilans.models import RuleViolation
from bilan.billing import contracts, invoicing
from bilan.billing.contracts import InstalmentData
from bilan.billing.models import (
    BillingProfile,
    BillingRule,
    ContractEvent,
    ContractStatus,
    Instalment,
    PersonalFundsContract,
)

SIGNED = dt.date(2026, 3, 2)
PRICE = Decimal("1500.00")


def sign(c: SimpleNamespace, signed_on: dt.date = SIGNED) -> PersonalFundsContract:
    return contracts.create_contract(by=c.admin, bilan=c.bilan, price=PRICE, signed_on=signed_on)


def schedule(first_day: int = 15, first: str = "450.00") -> list[InstalmentData]:
    rest = (PRICE - Decimal(first)) / 2
    return [
        InstalmentData(SIGNED + dt.timedelta(days=first_day), Decimal(first), ""),
        InstalmentData(SIGNED + dt.timedelta(days=40), rest, "fin de la phase d'investigation"),
        InstalmentData(SIGNED + dt.timedelta(days=80), rest, "remise de la synthèse"),
    ]


def test_the_default_withdrawal_period_is_14_days_dated_with_its_source_and_to_verify(
    db: None,
) -> None:
    rule = BillingRule.in_force(None, SIGNED)
    assert rule.withdrawal_days == 14
    assert rule.first_instalment_max_percent == Decimal("30.00")
    assert rule.recovery_indemnity == Decimal("40.00")
    assert "L6353-5" in rule.source and rule.to_verify


def test_a_contract_needs_the_terms_of_sale_and_the_mediator(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation) as refused:
        sign(cast)
    message = " ".join(refused.value.messages)
    assert "conditions générales de vente" in message and "médiateur" in message
    assert "L6353-4" in message
    assert not PersonalFundsContract.objects.exists()


def test_the_contract_copies_the_terms_the_mediator_and_the_period_in_force(
    billing: SimpleNamespace,
) -> None:
    contract = sign(billing)
    assert contract.terms_of_sale == billing.profile.terms_of_sale
    assert contract.mediator == billing.profile.mediator
    assert contract.withdrawal_days == 14
    assert contract.withdrawal_ends_on == dt.date(2026, 3, 16)
    assert contract.events.get().action == ContractEvent.Action.SIGNED
    # Changing the profile later does not rewrite the signed contract.
    BillingProfile.objects.filter(pk=billing.profile.pk).update(mediator="Autre")
    contract.refresh_from_db()
    assert contract.mediator == billing.profile.mediator


def test_an_organisation_may_set_a_longer_period_from_a_date(billing: SimpleNamespace) -> None:
    invoicing.add_rule(
        by=billing.admin, valid_from=dt.date(2026, 1, 1), withdrawal_days=21, source="CGV 2026"
    )
    assert sign(billing).withdrawal_days == 21
    assert BillingRule.in_force(billing.outsider_org, SIGNED).withdrawal_days == 14
    with pytest.raises(RuleViolation, match="L6353-5"):
        invoicing.add_rule(
            by=billing.admin, valid_from=dt.date(2026, 6, 1), withdrawal_days=7, source="Non"
        )
    with pytest.raises(RuleViolation) as refused:
        invoicing.add_rule(
            by=billing.consultant, valid_from=dt.date(2026, 6, 1), withdrawal_days=30, source="x"
        )
    assert refused.value.code == "forbidden"


def test_the_beneficiary_withdraws_on_day_14(billing: SimpleNamespace) -> None:
    contract = sign(billing)
    withdrawn = contracts.withdraw(
        by=billing.beneficiary, contract=contract, today=SIGNED + dt.timedelta(days=14)
    )
    assert withdrawn.status == ContractStatus.WITHDRAWN and withdrawn.withdrawn_at
    event = withdrawn.events.get(action=ContractEvent.Action.WITHDRAWN)
    assert event.by == billing.beneficiary
    with pytest.raises(RuleViolation, match="déjà rétracté"):
        contracts.withdraw(by=billing.beneficiary, contract=contract, today=SIGNED)
    with pytest.raises(RuleViolation, match="annulé"):
        contracts.set_schedule(by=billing.admin, contract=contract, instalments=schedule())


def test_the_beneficiary_cannot_withdraw_on_day_15_and_the_refusal_names_the_article(
    billing: SimpleNamespace,
) -> None:
    contract = sign(billing)
    with pytest.raises(RuleViolation) as refused:
        contracts.withdraw(
            by=billing.beneficiary, contract=contract, today=SIGNED + dt.timedelta(days=15)
        )
    assert "L6353-5" in refused.value.messages[0] and "16 mars 2026" in refused.value.messages[0]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED


@pytest.mark.parametrize("who", ["admin", "consultant", "other_beneficiary"])
def test_only_the_beneficiary_withdraws(billing: SimpleNamespace, who: str) -> None:
    contract = sign(billing)
    with pytest.raises(RuleViolation) as refused:
        contracts.withdraw(by=getattr(billing, who), contract=contract, today=SIGNED)
    assert refused.value.code == "forbidden"


def test_an_instalment_on_day_14_is_refused_day_15_accepted(billing: SimpleNamespace) -> None:
    contract = sign(billing)
    with pytest.raises(RuleViolation) as refused:
        contracts.set_schedule(by=billing.admin, contract=contract, instalments=schedule(14))
    assert "L6353-6" in refused.value.messages[0]
    assert not Instalment.objects.exists()
    rows = contracts.set_schedule(by=billing.admin, contract=contract, instalments=schedule(15))
    assert [r.amount for r in rows] == [Decimal("450.00"), Decimal("525.00"), Decimal("525.00")]


def test_30_percent_is_accepted_and_30_percent_plus_one_cent_refused(
    billing: SimpleNamespace,
) -> None:
    contract = sign(billing)
    assert contract.first_instalment_max == Decimal("450.00")
    with pytest.raises(RuleViolation) as refused:
        contracts.set_schedule(
            by=billing.admin, contract=contract, instalments=schedule(first="450.01")
        )
    assert "30 %" in refused.value.messages[0] and "L6353-6" in refused.value.messages[0]
    assert not Instalment.objects.exists()
    contracts.set_schedule(
        by=billing.admin, contract=contract, instalments=schedule(first="450.00")
    )
    assert Instalment.objects.count() == 3


def test_the_balance_is_spread_over_milestones_and_adds_up_to_the_price(
    billing: SimpleNamespace,
) -> None:
    contract = sign(billing)
    day = SIGNED + dt.timedelta(days=20)
    one_balance = [
        InstalmentData(day, Decimal("450"), ""),
        InstalmentData(day + dt.timedelta(days=30), Decimal("1050"), "synthèse"),
    ]
    with pytest.raises(RuleViolation, match="au moins deux versements"):
        contracts.set_schedule(by=billing.admin, contract=contract, instalments=one_balance)
    no_milestone = schedule()
    no_milestone[2] = InstalmentData(no_milestone[2].due_on, no_milestone[2].amount, " ")
    with pytest.raises(RuleViolation, match="étape du bilan"):
        contracts.set_schedule(by=billing.admin, contract=contract, instalments=no_milestone)
    short = schedule()[:2] + [InstalmentData(SIGNED + dt.timedelta(days=90), Decimal("1"), "x")]
    with pytest.raises(RuleViolation, match="totalise"):
        contracts.set_schedule(by=billing.admin, contract=contract, instalments=short)
    assert not Instalment.objects.exists()


def test_a_new_schedule_replaces_the_old_one_and_is_logged(billing: SimpleNamespace) -> None:
    contract = sign(billing)
    contracts.set_schedule(by=billing.admin, contract=contract, instalments=schedule())
    contracts.set_schedule(by=billing.admin, contract=contract, instalments=schedule(20))
    assert Instalment.objects.count() == 3
    assert contract.events.filter(action=ContractEvent.Action.SCHEDULED).count() == 2


def test_one_contract_per_bilan_and_only_the_administration_records_it(
    billing: SimpleNamespace,
) -> None:
    sign(billing)
    with pytest.raises(RuleViolation, match="déjà son contrat"):
        sign(billing)
    with pytest.raises(RuleViolation) as refused:
        contracts.create_contract(
            by=billing.consultant, bilan=billing.other_bilan, price=PRICE, signed_on=SIGNED
        )
    assert refused.value.code == "forbidden"
