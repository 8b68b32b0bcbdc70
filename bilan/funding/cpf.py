"""The CPF's rules for a bilan (REQ-22, REQ-23), read from the dated `CpfRule` table.

- Only the accompaniment hours are CPF-fundable, and at most the cap per bilan.
- « Oui » to the 5-year question blocks the CPF route (not the others).
- The participation obligatoire is collected by the Caisse des Dépôts when the holder orders
  on Mon Compte Formation: never invoiced nor refunded by the provider; its exemptions are
  job seekers, an employer/OPCO abondement, C2P points, AT/MP incapacity of 10 % or more.
- Each CPF file stores the version of the CGU it was ordered under.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, FundingRoute, RuleViolation, Situation
from bilan.funding.models import CpfRule, Exemption, PayerKind, PriorBilanAnswer
from bilan.organisations.models import Role

CENT = Decimal("0.01")
ABONDEMENT_ROUTES = (FundingRoute.EMPLOYER_PLAN, FundingRoute.OPCO)
ABONDEMENT_PAYERS = (PayerKind.EMPLOYER, PayerKind.OPCO)


class ShareLike(Protocol):
    @property
    def route(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def payer_kind(self) -> str: ...


def money(value: Decimal) -> str:
    whole, _sep, cents = f"{value:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", "\u202f") + f",{cents} €"


def rule_for(bilan: Bilan) -> CpfRule:
    """The rule in force on the bilan's opening date."""
    return CpfRule.in_force(bilan.opened_on)


def unverified(rule: CpfRule) -> str:
    return _t(" — valeur à vérifier au JO") if rule.to_verify else ""


def accompaniment_part(
    price: Decimal, *, accompaniment_minutes: int, personal_minutes: int, rule: CpfRule
) -> Decimal:
    """The part of the price that pays accompaniment hours (all of it without a split, or
    when the rule funds every hour), rounded down to the cent."""
    total = accompaniment_minutes + personal_minutes
    if not rule.accompaniment_only or total <= 0:
        return price
    return (price * accompaniment_minutes / total).quantize(CENT, rounding=ROUND_DOWN)


def cpf_ceiling(
    price: Decimal | None, *, accompaniment_minutes: int, personal_minutes: int, rule: CpfRule
) -> Decimal | None:
    """The most the CPF may fund: the accompaniment part of the price, at most the cap."""
    limits = []
    if price is not None:
        limits.append(
            accompaniment_part(
                price,
                accompaniment_minutes=accompaniment_minutes,
                personal_minutes=personal_minutes,
                rule=rule,
            )
        )
    if rule.cap_per_bilan is not None:
        limits.append(rule.cap_per_bilan)
    return min(limits) if limits else None


def has_abondement(shares: Sequence[ShareLike]) -> bool:
    """An employer or OPCO share beside the CPF (co-funding): the holder pays no participation."""
    return any(s.route in ABONDEMENT_ROUTES or s.payer_kind in ABONDEMENT_PAYERS for s in shares)


def exemption_of(*, situation: str, shares: Sequence[ShareLike], declared: str) -> str:
    """Why the participation is not due ("" when it is): declared C2P / AT-MP, else what the
    file says (a job seeker, an abondement)."""
    if declared in (Exemption.C2P, Exemption.AT_MP):
        return declared
    if situation == Situation.JOB_SEEKER:
        return Exemption.JOB_SEEKER
    if has_abondement([s for s in shares if s.route != FundingRoute.CPF]):
        return Exemption.ABONDEMENT
    return Exemption.NONE


@dataclass(frozen=True)
class Participation:
    """The participation obligatoire of a CPF file: collected by the CDC, never invoiced by
    the provider (`invoiced_by_provider` is always False: the billing reads it)."""

    amount: Decimal
    exemption: str
    collected_by: str = PayerKind.CDC
    invoiced_by_provider: bool = False


def participation(
    *, rule: CpfRule, situation: str, shares: Sequence[ShareLike], declared: str
) -> Participation:
    exemption = exemption_of(situation=situation, shares=shares, declared=declared)
    return Participation(
        amount=Decimal("0.00") if exemption else rule.participation, exemption=exemption
    )


def check_cpf(
    bilan: Bilan,
    *,
    price: Decimal | None,
    shares: Sequence[ShareLike],
    prior_bilan_answer: str,
    cgu_version: str,
    newly_chosen: bool = True,
) -> None:
    """Refuse a funding whose CPF share breaks a CPF rule (nothing is saved). The file's
    answers are required when the CPF route is chosen; « oui » and the amounts always count."""
    cpf_shares = [s for s in shares if s.route == FundingRoute.CPF]
    if not cpf_shares:
        return
    rule = rule_for(bilan)
    if len(cpf_shares) > 1:
        raise RuleViolation(_t("Un seul financement CPF par bilan."), code="invalid")
    if rule.prior_bilan_years:
        if prior_bilan_answer == PriorBilanAnswer.NOT_ASKED and newly_chosen:
            raise RuleViolation(
                _t(
                    "Financement CPF : posez d'abord la question « bilan financé depuis moins "
                    "de %(n)s ans ? » et enregistrez la réponse (%(src)s)."
                )
                % {"n": rule.prior_bilan_years, "src": rule.prior_bilan_source},
                code="invalid",
            )
        if prior_bilan_answer == PriorBilanAnswer.YES:
            raise RuleViolation(
                _t(
                    "Financement CPF impossible : un bilan de compétences financé a eu lieu "
                    "depuis moins de %(n)s ans (%(src)s). Les autres financements restent "
                    "possibles."
                )
                % {"n": rule.prior_bilan_years, "src": rule.prior_bilan_source},
                code="invalid",
            )
    if newly_chosen and not cgu_version.strip():
        raise RuleViolation(
            _t(
                "Financement CPF : indiquez la version des CGU Mon Compte Formation sous "
                "laquelle le dossier est commandé (elles changent d'une version à l'autre)."
            ),
            code="invalid",
        )
    amount = cpf_shares[0].amount
    if rule.cap_per_bilan is not None and amount > rule.cap_per_bilan:
        raise RuleViolation(
            _t("Montant CPF %(a)s > plafond de %(cap)s par bilan (%(src)s%(v)s).")
            % {
                "a": money(amount),
                "cap": money(rule.cap_per_bilan),
                "src": rule.cap_source,
                "v": unverified(rule),
            },
            code="invalid",
        )
    if price is not None and rule.accompaniment_only:
        part = accompaniment_part(
            price,
            accompaniment_minutes=bilan.planned_accompaniment_minutes,
            personal_minutes=bilan.planned_personal_minutes,
            rule=rule,
        )
        if amount > part:
            raise RuleViolation(
                _t(
                    "Montant CPF %(a)s > %(part)s : seules les heures d'accompagnement sont "
                    "finançables par le CPF, pas le travail personnel (%(src)s%(v)s)."
                )
                % {
                    "a": money(amount),
                    "part": money(part),
                    "src": rule.accompaniment_source,
                    "v": unverified(rule),
                },
                code="invalid",
            )


def confirm_rule(*, rule_id: int, by: User) -> CpfRule:
    """An administrator confirms a rule against the JO: it is no longer « à vérifier »."""
    membership = getattr(by, "membership", None)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(_t("Seule l'administration confirme une règle CPF."), code="forbidden")
    with transaction.atomic():
        rule = CpfRule.objects.select_for_update().get(pk=rule_id)
        if not rule.to_verify:
            raise RuleViolation(_t("Cette règle est déjà confirmée."))
        rule.to_verify = False
        rule.confirmed_at = timezone.now()
        rule.confirmed_by = by
        rule.save(update_fields=["to_verify", "confirmed_at", "confirmed_by"])
    return rule
