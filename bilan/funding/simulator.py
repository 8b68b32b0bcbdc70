"""The cost simulator (REQ-22, REQ-23): from a price, the hours split, the routes wanted, the
situation and the exemptions, what the CPF may fund, the co-funding to seek and from whom,
the participation obligatoire and the beneficiary's remainder, each line explained in French.

One owner (`simulate`), read by the staff page, the beneficiary's page and the API
`simulate_cost`. Pure: the CPF rule in force is passed in (funding.cpf reads the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _t

from bilan.bilans.models import FundingRoute, Situation
from bilan.funding import cpf
from bilan.funding.models import CpfRule, Exemption, PayerKind, PriorBilanAnswer
from bilan.lib.hours import fmt

ZERO = Decimal("0.00")
# The route of the co-funding share a simulation adds, by its payer.
COFUNDING_ROUTE: dict[str, str] = {
    PayerKind.OPCO: FundingRoute.OPCO,
    PayerKind.EMPLOYER: FundingRoute.EMPLOYER_PLAN,
    PayerKind.FRANCE_TRAVAIL: FundingRoute.FRANCE_TRAVAIL,
}
EMPLOYER_ROUTES = (FundingRoute.EMPLOYER_PLAN, FundingRoute.OPCO, FundingRoute.CONGE_RECLASSEMENT)


@dataclass(frozen=True)
class CostInput:
    price: Decimal
    accompaniment_minutes: int
    personal_minutes: int
    routes: tuple[str, ...]
    situation: str
    exemption: str = ""  # declared: c2p or at_mp
    prior_bilan_answer: str = ""
    cpf_rights: Decimal | None = None  # the holder's rights on Mon Compte Formation, if known
    employer_name: str = ""
    opco_name: str = ""


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class _Share:
    route: str
    amount: Decimal
    payer_kind: str


@dataclass(frozen=True)
class Simulation:
    lines: list[Line]
    cpf_amount: Decimal
    cofunding_amount: Decimal
    cofunding_from: str
    participation: Decimal
    remainder: Decimal
    rule_to_verify: bool
    warnings: list[str] = field(default_factory=list)

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.key == key)


def eur(value: Decimal) -> str:
    return cpf.money(value)


def cofunder(data: CostInput) -> tuple[str, str]:
    """Who to ask for the rest of the price, as (payer kind, in French), or ("", "")."""
    routes = set(data.routes)
    employee = data.situation in (Situation.EMPLOYEE, Situation.OTHER)
    if routes & set(EMPLOYER_ROUTES) and data.situation != Situation.JOB_SEEKER:
        employer = data.employer_name or _t("l'employeur")
        if FundingRoute.OPCO in routes or (employee and data.opco_name):
            opco = data.opco_name or _t("son OPCO")
            return PayerKind.OPCO, _t("%(e)s, via %(o)s") % {"e": employer, "o": opco}
        return PayerKind.EMPLOYER, employer
    if FundingRoute.FRANCE_TRAVAIL in routes and data.situation == Situation.JOB_SEEKER:
        return PayerKind.FRANCE_TRAVAIL, _t(
            "France Travail (aide individuelle à la formation, devis KAIROS)"
        )
    return "", ""


def simulate(data: CostInput, rule: CpfRule) -> Simulation:
    price = data.price.quantize(Decimal("0.01"))
    total_minutes = data.accompaniment_minutes + data.personal_minutes
    lines = [
        Line(
            "price",
            _t("Prix du bilan"),
            price,
            _t("%(a)s d'accompagnement et %(p)s de travail personnel, %(t)s au total.")
            % {
                "a": fmt(data.accompaniment_minutes),
                "p": fmt(data.personal_minutes),
                "t": fmt(total_minutes),
            },
        )
    ]
    warnings: list[str] = []
    part = cpf.accompaniment_part(
        price,
        accompaniment_minutes=data.accompaniment_minutes,
        personal_minutes=data.personal_minutes,
        rule=rule,
    )
    cpf_amount = ZERO
    wants_cpf = FundingRoute.CPF in data.routes
    if wants_cpf and data.prior_bilan_answer == PriorBilanAnswer.YES:
        lines.append(
            Line(
                "cpf",
                _t("Pris en charge par le CPF"),
                ZERO,
                _t(
                    "Aucun : un bilan financé a eu lieu depuis moins de %(n)s ans (%(src)s). "
                    "Les autres financements restent possibles."
                )
                % {"n": rule.prior_bilan_years or 5, "src": rule.prior_bilan_source},
            )
        )
    elif wants_cpf:
        if rule.accompaniment_only and part < price:
            lines.append(
                Line(
                    "accompaniment_part",
                    _t("Part des heures d'accompagnement"),
                    part,
                    _t(
                        "Seules les heures d'accompagnement sont finançables par le CPF, pas le "
                        "travail personnel (%(src)s) : %(p)s × %(a)s / %(t)s."
                    )
                    % {
                        "src": rule.accompaniment_source,
                        "p": eur(price),
                        "a": fmt(data.accompaniment_minutes),
                        "t": fmt(total_minutes),
                    },
                )
            )
        limits = [(part, _t("la part des heures d'accompagnement"))]
        if rule.cap_per_bilan is not None:
            limits.append(
                (
                    rule.cap_per_bilan,
                    _t("le plafond de %(cap)s par bilan (%(src)s)")
                    % {"cap": eur(rule.cap_per_bilan), "src": rule.cap_source},
                )
            )
        if data.cpf_rights is not None:
            rights = data.cpf_rights.quantize(Decimal("0.01"))
            limits.append((rights, _t("les droits disponibles sur le compte")))
        cpf_amount, why = min(limits, key=lambda limit: limit[0])
        lines.append(
            Line(
                "cpf",
                _t("Pris en charge par le CPF"),
                cpf_amount,
                _t("Au plus %(why)s.") % {"why": why},
            )
        )
    gap = price - cpf_amount
    payer_kind, payer = cofunder(data)
    cofunding = gap if payer_kind else ZERO
    if payer_kind:
        lines.append(
            Line(
                "cofunding",
                _t("Cofinancement à demander"),
                cofunding,
                _t("À demander à %(who)s : le reste du prix%(cpf)s.")
                % {
                    "who": payer,
                    "cpf": (
                        _t(" après le CPF (abondement, qui exonère de la participation)")
                        if payer_kind in (PayerKind.EMPLOYER, PayerKind.OPCO)
                        else _t(" après le CPF")
                    )
                    if cpf_amount
                    else "",
                },
            )
        )
    participation = ZERO
    if cpf_amount > 0:
        shares = [_Share(FundingRoute.CPF, cpf_amount, PayerKind.CDC)]
        if cofunding:
            shares.append(_Share(COFUNDING_ROUTE[payer_kind], cofunding, payer_kind))
        due = cpf.participation(
            rule=rule, situation=data.situation, shares=shares, declared=data.exemption
        )
        participation = due.amount
        exempts: dict[str, str] = {
            Exemption.JOB_SEEKER: _t("exonéré·e : demandeur·se d'emploi"),
            Exemption.ABONDEMENT: _t("exonéré·e : abondement de l'employeur ou de l'OPCO"),
            Exemption.C2P: _t("exonéré·e : points C2P"),
            Exemption.AT_MP: _t("exonéré·e : incapacité AT/MP d'au moins 10 %"),
        }
        exempt = exempts.get(due.exemption)
        lines.append(
            Line(
                "participation",
                _t("Participation obligatoire"),
                participation,
                (exempt + ". " if exempt else "")
                + _t(
                    "Forfait de %(amount)s (%(src)s), payé par le ou la titulaire à la Caisse des "
                    "Dépôts lors de la commande sur Mon Compte Formation : jamais facturé ni "
                    "remboursé par l'organisme."
                )
                % {"amount": eur(rule.participation), "src": rule.participation_source},
            )
        )
    else:
        lines.append(
            Line(
                "participation",
                _t("Participation obligatoire"),
                ZERO,
                _t("Aucune : elle n'est due que lorsque le CPF est mobilisé."),
            )
        )
    remainder = gap - cofunding + participation
    own = gap - cofunding
    lines.append(
        Line(
            "remainder",
            _t("Reste à charge du ou de la bénéficiaire"),
            remainder,
            _t("Participation obligatoire (%(part)s) + reste du prix non financé (%(own)s)%(how)s.")
            % {
                "part": eur(participation),
                "own": eur(own),
                "how": _t(" : contrat en fonds personnels, délai de rétractation puis échéances")
                if own > 0
                else "",
            },
        )
    )
    if rule.to_verify:
        warnings.append(
            _t("Montants CPF en vigueur le %(d)s, à vérifier au JO.")
            % {"d": rule.valid_from.strftime("%d/%m/%Y")}
        )
    return Simulation(
        lines=lines,
        cpf_amount=cpf_amount,
        cofunding_amount=cofunding,
        cofunding_from=payer,
        participation=participation,
        remainder=remainder,
        rule_to_verify=rule.to_verify,
        warnings=warnings,
    )


# The six demo cases (bilan/demo and the tests): first contacts as a provider meets them.
DEMO_CASES: dict[str, CostInput] = {
    "salariee_cpf_seul": CostInput(
        price=Decimal("1800"),
        accompaniment_minutes=18 * 60,
        personal_minutes=6 * 60,
        routes=(FundingRoute.CPF,),
        situation=Situation.EMPLOYEE,
        prior_bilan_answer=PriorBilanAnswer.NO,
    ),
    "salarie_cpf_abondement_opco": CostInput(
        price=Decimal("2400"),
        accompaniment_minutes=20 * 60,
        personal_minutes=4 * 60,
        routes=(FundingRoute.CPF, FundingRoute.OPCO),
        situation=Situation.EMPLOYEE,
        prior_bilan_answer=PriorBilanAnswer.NO,
        employer_name="Boulangerie Dupain",
        opco_name="OPCO EP",
    ),
    "demandeuse_cpf_aif": CostInput(
        price=Decimal("2000"),
        accompaniment_minutes=16 * 60,
        personal_minutes=8 * 60,
        routes=(FundingRoute.CPF, FundingRoute.FRANCE_TRAVAIL),
        situation=Situation.JOB_SEEKER,
        prior_bilan_answer=PriorBilanAnswer.NO,
    ),
    "bilan_recent_fonds_personnels": CostInput(
        price=Decimal("1500"),
        accompaniment_minutes=15 * 60,
        personal_minutes=5 * 60,
        routes=(FundingRoute.CPF, FundingRoute.PERSONAL),
        situation=Situation.EMPLOYEE,
        prior_bilan_answer=PriorBilanAnswer.YES,
    ),
    "plan_employeur": CostInput(
        price=Decimal("2200"),
        accompaniment_minutes=18 * 60,
        personal_minutes=6 * 60,
        routes=(FundingRoute.EMPLOYER_PLAN,),
        situation=Situation.EMPLOYEE,
        employer_name="Transports Martin",
    ),
    "independant_cpf_droits_limites": CostInput(
        price=Decimal("1500"),
        accompaniment_minutes=15 * 60,
        personal_minutes=5 * 60,
        routes=(FundingRoute.CPF,),
        situation=Situation.SELF_EMPLOYED,
        prior_bilan_answer=PriorBilanAnswer.NO,
        cpf_rights=Decimal("900"),
        exemption=Exemption.AT_MP,
    ),
}
