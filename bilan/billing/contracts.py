"""The owner of the personal-funds contract (contrat de formation professionnelle, L6353-3 to
L6353-7 C. trav.; REQ-17, REQ-32).

- The contract shows the terms of sale and names the consumer mediator (from the billing
  profile, copied at signature) and the withdrawal period in force at signature
  (BillingRule: 14 days by default, per organisation, « à vérifier »).
- The beneficiary may withdraw up to the period's last day, signature + N days (day N yes,
  day N + 1 no): « Se rétracter » cancels the contract and logs it; no sum was due yet.
- No instalment may fall due before the period ends (L6353-6): the first on day N + 1 at the
  earliest, at most 30 % of the price (30 % + 1 cent is refused), the balance spread over at
  least two later instalments, each tied to a milestone of the bilan; the schedule adds up to
  the price.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, RuleViolation, check_date
from bilan.billing.invoicing import membership_of, require_biller
from bilan.billing.models import (
    CENT,
    BillingProfile,
    BillingRule,
    ContractEvent,
    ContractStatus,
    Instalment,
    PersonalFundsContract,
)
from bilan.organisations.models import Role

MAX_INSTALMENTS = 12


@dataclass(frozen=True)
class InstalmentData:
    due_on: dt.date
    amount: Decimal
    milestone: str


def euros(value: Decimal) -> str:
    """French notation: 1500.5 -> « 1500,50 »."""
    return f"{value:.2f}".replace(".", ",")


def percent(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def fmt_day(day: dt.date) -> str:
    return date_format(day, "j F Y")


def contract_for_user(user: User, bilan: Bilan) -> PersonalFundsContract:
    """The bilan's contract, for its beneficiary or the administration (404 otherwise)."""
    membership = membership_of(user)
    allowed = membership is not None and membership.organisation_id == bilan.organisation_id
    if allowed and membership is not None and membership.role == Role.BENEFICIARY:
        allowed = bilan.beneficiary_id == user.pk
    elif allowed and membership is not None:
        allowed = membership.role == Role.ADMIN
    if not allowed:
        raise Http404
    try:
        return PersonalFundsContract.objects.select_related("bilan").get(bilan=bilan)
    except PersonalFundsContract.DoesNotExist:
        raise Http404 from None


def create_contract(
    *, by: User, bilan: Bilan, price: Decimal, signed_on: dt.date | None = None
) -> PersonalFundsContract:
    """Record the signed contract with the terms of sale and the mediator as they are now."""
    require_biller(by, bilan.organisation_id)
    signed_on = signed_on or timezone.localdate()
    check_date(signed_on, label=_t("Date de signature"))
    price = Decimal(price).quantize(CENT)
    if price <= 0 or price > Decimal("999999.99"):
        raise RuleViolation(_t("Indiquez le prix convenu (en euros)."), code="invalid")
    profile = BillingProfile.for_organisation(bilan.organisation)
    missing = profile.missing_consumer_information()
    if missing:
        raise RuleViolation(
            _t(
                "Contrat impossible : il manque %(missing)s dans le profil de facturation "
                "(art. L6353-4 C. trav., L612-1 C. consom.)."
            )
            % {"missing": ", ".join(missing)}
        )
    rule = BillingRule.in_force(bilan.organisation, signed_on)
    with transaction.atomic():
        if PersonalFundsContract.objects.filter(bilan=bilan).exists():
            raise RuleViolation(_t("Ce bilan a déjà son contrat."))
        contract = PersonalFundsContract.objects.create(
            organisation_id=bilan.organisation_id,
            bilan=bilan,
            price=price,
            signed_on=signed_on,
            withdrawal_days=rule.withdrawal_days,
            first_instalment_max_percent=rule.first_instalment_max_percent,
            rule_source=rule.source,
            terms_of_sale=profile.terms_of_sale,
            mediator=profile.mediator,
            created_by=by,
        )
        ContractEvent.objects.create(
            contract=contract,
            action=ContractEvent.Action.SIGNED,
            by=by,
            detail=_t("Prix %(price)s €, rétractation jusqu'au %(end)s")
            % {"price": euros(price), "end": fmt_day(contract.withdrawal_ends_on)},
        )
    return contract


def schedule_errors(
    contract: PersonalFundsContract, instalments: list[InstalmentData]
) -> list[str]:
    """Why a schedule is refused (empty: accepted); each reason names its article."""
    if not instalments:
        return [_t("L'échéancier compte au moins un versement.")]
    if len(instalments) > MAX_INSTALMENTS:
        return [_t("%(max)s versements au plus.") % {"max": MAX_INSTALMENTS}]
    errors = []
    ordered = sorted(instalments, key=lambda i: i.due_on)
    end = contract.withdrawal_ends_on
    early = [i for i in ordered if i.due_on <= end]
    if early:
        errors.append(
            _t(
                "Aucune somme ne peut être exigée avant la fin du délai de rétractation "
                "(%(end)s inclus) : échéance du %(day)s refusée (art. L6353-6 C. trav.)."
            )
            % {"end": fmt_day(end), "day": fmt_day(early[0].due_on)}
        )
    first = ordered[0]
    if first.amount > contract.first_instalment_max:
        errors.append(
            _t(
                "À l'issue du délai de rétractation, %(percent)s %% du prix au plus "
                "(%(max)s €) : %(amount)s € refusés (art. L6353-6 C. trav.)."
            )
            % {
                "percent": percent(contract.first_instalment_max_percent),
                "max": euros(contract.first_instalment_max),
                "amount": euros(first.amount),
            }
        )
    balance = ordered[1:]
    if len(balance) < 2:
        errors.append(
            _t(
                "Le solde s'échelonne au fur et à mesure du bilan : au moins deux versements "
                "après le premier (art. L6353-6 C. trav.)."
            )
        )
    if any(not i.milestone.strip() for i in balance):
        errors.append(_t("Chaque versement du solde est lié à une étape du bilan."))
    if len({i.due_on for i in ordered}) != len(ordered):
        errors.append(_t("Deux versements ne tombent pas le même jour."))
    if any(i.amount <= 0 for i in ordered):
        errors.append(_t("Chaque versement est positif."))
    total = sum((i.amount for i in ordered), Decimal("0"))
    if total != contract.price:
        errors.append(
            _t("L'échéancier totalise %(total)s € pour un prix de %(price)s €.")
            % {"total": euros(total), "price": euros(contract.price)}
        )
    return errors


def set_schedule(
    *, by: User, contract: PersonalFundsContract, instalments: list[InstalmentData]
) -> list[Instalment]:
    """Replace the instalments with a schedule that passes every rule, or save nothing."""
    require_biller(by, contract.organisation_id)
    for i in instalments:
        check_date(i.due_on, label=_t("Échéance"))
    cleaned = [
        InstalmentData(
            due_on=i.due_on,
            amount=Decimal(i.amount).quantize(CENT),
            milestone=i.milestone.strip()[:200],
        )
        for i in instalments
    ]
    with transaction.atomic():
        locked = PersonalFundsContract.objects.select_for_update().get(pk=contract.pk)
        if locked.status == ContractStatus.WITHDRAWN:
            raise RuleViolation(_t("Le contrat est annulé : la bénéficiaire s'est rétractée."))
        errors = schedule_errors(locked, cleaned)
        if errors:
            raise RuleViolation(" ".join(errors), code="invalid")
        locked.instalments.all().delete()
        rows = Instalment.objects.bulk_create(
            Instalment(
                contract=locked, due_on=i.due_on, amount=i.amount, milestone=i.milestone, order=n
            )
            for n, i in enumerate(sorted(cleaned, key=lambda i: i.due_on))
        )
        ContractEvent.objects.create(
            contract=locked,
            action=ContractEvent.Action.SCHEDULED,
            by=by,
            detail=_t("%(n)s versements") % {"n": len(rows)},
        )
    return rows


def withdraw(
    *, by: User, contract: PersonalFundsContract, today: dt.date | None = None
) -> PersonalFundsContract:
    """« Se rétracter »: the beneficiary's act only, during the period (art. L6353-5)."""
    today = today or timezone.localdate()
    if by.pk != contract.bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seule la bénéficiaire peut se rétracter (art. L6353-5 C. trav.)."),
            code="forbidden",
        )
    with transaction.atomic():
        locked = PersonalFundsContract.objects.select_for_update().get(pk=contract.pk)
        if locked.status == ContractStatus.WITHDRAWN:
            raise RuleViolation(_t("Vous vous êtes déjà rétracté·e de ce contrat."))
        if today > locked.withdrawal_ends_on:
            raise RuleViolation(
                _t(
                    "Le délai de rétractation de %(days)s jours a pris fin le %(end)s "
                    "(art. L6353-5 C. trav.)."
                )
                % {"days": locked.withdrawal_days, "end": fmt_day(locked.withdrawal_ends_on)}
            )
        locked.status = ContractStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_at"])
        ContractEvent.objects.create(
            contract=locked,
            action=ContractEvent.Action.WITHDRAWN,
            by=by,
            detail=_t("Rétractation le %(day)s, aucune somme due") % {"day": fmt_day(today)},
        )
    return locked
