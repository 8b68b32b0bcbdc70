"""API v1: a bilan's funding (mounted by config/api.py). The same owner as the page
(`rules.set_funding`): a refusal is 409 (the bilan's state), 422 (bad input) or 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from pydantic import WithJsonSchema

from bilan.api.base import BilanId, acting_user, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, FundingRoute, Situation
from bilan.funding import cpf, edof, funders, qualiopi, rules, simulator
from bilan.funding.models import (
    CpfRule,
    EdofStatus,
    Funding,
    KairosStatus,
    PayerKind,
    PriorBilanAnswer,
    QualiopiCategory,
    QualiopiCertificate,
)
from bilan.organisations.access import require_membership
from bilan.organisations.models import FUNDER_ROLES, Organisation, Role

router = Router(tags=["funding"])

RuleId = Annotated[int, Path(ge=1, le=MAX_INT)]

# Euros, cents at most: the owner checks the same bounds (a page has no schema).
# Documented as the decimal string it is sent as (one schema for requests and responses).
AMOUNT_SCHEMA = {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})?$", "examples": ["1600.00"]}
Amount = Annotated[
    Decimal,
    Field(ge=0, le=rules.MAX_AMOUNT, max_digits=8, decimal_places=2),
    WithJsonSchema(AMOUNT_SCHEMA),
]
Money = Annotated[Decimal, WithJsonSchema(AMOUNT_SCHEMA)]


class FundingShareIn(InputSchema):
    route: FundingRoute
    amount: Amount = Decimal("0.00")
    payer_kind: PayerKind | None = None
    payer_name: str = Field("", max_length=200)
    reference: str = Field("", max_length=100)
    opco_agreement_number: str = Field("", max_length=100)
    opco_agreed_amount: Amount | None = None
    kairos_quote_number: str = Field("", max_length=50)
    kairos_status: KairosStatus = KairosStatus.NONE
    funder_id: int | None = Field(
        None, ge=1, le=MAX_INT, description="the funder account (employer, OPCO, France Travail)"
    )


class FundingBody(InputSchema):
    price: Amount | None = None
    shares: list[FundingShareIn] = Field(min_length=1, max_length=rules.MAX_SHARES)
    reason: str = Field("", max_length=500)
    correction: bool = Field(False, description="the administration's correction of a closed bilan")
    prior_bilan_answer: PriorBilanAnswer | None = Field(
        None, description='the 5-year question: yes, no, or "" (not asked); null: unchanged'
    )
    exemption: Literal["", "c2p", "at_mp"] | None = Field(
        None, description="a declared exemption from the CPF participation; null: unchanged"
    )
    cpf_cgu_version: str | None = Field(None, max_length=30)


class FundingShareOut(Schema):
    route: str
    payer_kind: str
    payer_name: str
    amount: Money
    reference: str
    opco_agreement_number: str
    opco_agreed_amount: Money | None
    kairos_quote_number: str
    kairos_status: str
    funder_id: int | None


class FundingChangeOut(Schema):
    at: dt.datetime
    by: str
    reason: str
    correction: bool
    before: dict[str, Any]
    after: dict[str, Any]


class ParticipationOut(Schema):
    amount: Money
    exemption: str
    collected_by: str
    invoiced_by_provider: bool


class FundingOut(Schema):
    bilan_id: int
    funding_route: str
    price: Money | None
    shares: list[FundingShareOut]
    prior_bilan_answer: str
    prior_bilan_answered_on: dt.date | None
    exemption: str
    cpf_cgu_version: str
    cpf_ceiling: Money | None
    participation: ParticipationOut | None
    changes: list[FundingChangeOut]


class CpfRuleOut(Schema):
    id: int
    valid_from: dt.date
    year: int
    cap_per_bilan: Money | None
    cap_source: str
    participation: Money
    participation_source: str
    prior_bilan_years: int | None
    prior_bilan_source: str
    accompaniment_only: bool
    accompaniment_source: str
    to_verify: bool
    confirmed_at: dt.datetime | None


def funding_out(bilan: Bilan, funding: Funding) -> dict[str, Any]:
    shares = rules.shares_of(funding)
    rule = cpf.rule_for(bilan)
    has_cpf = any(s.route == FundingRoute.CPF for s in shares)
    return {
        "bilan_id": bilan.pk,
        "funding_route": bilan.funding_route,
        "price": funding.price,
        "shares": [{name: getattr(s, name) for name in rules.SHARE_FIELDS} for s in shares],
        "prior_bilan_answer": funding.prior_bilan_answer,
        "prior_bilan_answered_on": funding.prior_bilan_answered_on,
        "exemption": funding.exemption,
        "cpf_cgu_version": funding.cpf_cgu_version,
        "cpf_ceiling": cpf.cpf_ceiling(
            funding.price,
            accompaniment_minutes=bilan.planned_accompaniment_minutes,
            personal_minutes=bilan.planned_personal_minutes,
            rule=rule,
        )
        if has_cpf
        else None,
        "participation": vars(
            cpf.participation(
                rule=rule, situation=bilan.situation, shares=shares, declared=funding.exemption
            )
        )
        if has_cpf
        else None,
        "changes": [
            {
                "at": c.at,
                "by": c.by.get_full_name() if c.by else "",
                "reason": c.reason,
                "correction": c.correction,
                "before": c.before,
                "after": c.after,
            }
            for c in funding.changes.select_related("by")
        ],
    }


@router.get(
    "/bilans/{bilan_id}/funding",
    response={200: FundingOut, **errors(401, 403, 404, 422)},
    operation_id="get_funding",
    summary="A bilan's funding: price, shares (the first is the primary route), changes log",
)
def get_funding(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    bilan = get_bilan_for_user(acting_user(request), bilan_id)
    return funding_out(bilan, rules.funding_of(bilan))


@router.put(
    "/bilans/{bilan_id}/funding",
    response={200: FundingOut, **errors(401, 403, 404, 409, 422)},
    operation_id="set_funding",
    summary="Replace a bilan's funding (a reason once started; closed: the admin's correction)",
)
def set_funding(request: HttpRequest, bilan_id: BilanId, body: FundingBody) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    current = rules.file_of(rules.funding_of(bilan))
    file = rules.FileInput(
        prior_bilan_answer=current.prior_bilan_answer
        if body.prior_bilan_answer is None
        else body.prior_bilan_answer,
        exemption=current.exemption if body.exemption is None else body.exemption,
        cpf_cgu_version=current.cpf_cgu_version
        if body.cpf_cgu_version is None
        else body.cpf_cgu_version,
    )
    funding = rules.set_funding(
        file=file,
        bilan=bilan,
        by=user,
        price=body.price,
        reason=body.reason,
        correction=body.correction,
        shares=[
            rules.ShareInput(
                route=s.route,
                amount=s.amount,
                payer_kind=s.payer_kind or "",
                payer_name=s.payer_name,
                reference=s.reference,
                opco_agreement_number=s.opco_agreement_number,
                opco_agreed_amount=s.opco_agreed_amount,
                kairos_quote_number=s.kairos_quote_number,
                kairos_status=s.kairos_status,
                funder_id=s.funder_id,
            )
            for s in body.shares
        ],
    )
    bilan.refresh_from_db()
    return funding_out(bilan, funding)


def rule_out(rule: CpfRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in CpfRuleOut.model_fields if name != "id"} | {
        "id": rule.pk
    }


@router.get(
    "/cpf-rules",
    response={200: list[CpfRuleOut], **errors(401, 403)},
    operation_id="list_cpf_rules",
    summary="The dated CPF rules for bilans (cap, participation, 5-year rule), with their texts",
)
def list_cpf_rules(request: HttpRequest) -> list[dict[str, Any]]:
    require_membership(acting_user(request), Role.ADMIN, Role.CONSULTANT)
    return [rule_out(r) for r in CpfRule.objects.all()]


@router.post(
    "/cpf-rules/{rule_id}/confirm",
    response={200: CpfRuleOut, **errors(401, 403, 404, 409, 422)},
    operation_id="confirm_cpf_rule",
    summary="The administration confirms a CPF rule against the JO (no longer « à vérifier »)",
)
def confirm_cpf_rule(request: HttpRequest, rule_id: RuleId) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN)
    rule = get_object_or_404(CpfRule, pk=rule_id)
    return rule_out(cpf.confirm_rule(rule_id=rule.pk, by=user))


class CostIn(InputSchema):
    price: Amount
    accompaniment_minutes: int = Field(ge=0, le=24 * 60)
    personal_minutes: int = Field(0, ge=0, le=24 * 60)
    routes: list[FundingRoute] = Field(min_length=1, max_length=7)
    situation: Situation
    exemption: Literal["", "c2p", "at_mp"] = ""
    prior_bilan_answer: PriorBilanAnswer = PriorBilanAnswer.NOT_ASKED
    cpf_rights: Amount | None = None
    employer_name: str = Field("", max_length=200)
    opco_name: str = Field("", max_length=200)


class CostLineOut(Schema):
    key: str
    label: str
    amount: Money
    explanation: str


class SimulationOut(Schema):
    lines: list[CostLineOut]
    cpf_amount: Money
    cofunding_amount: Money
    cofunding_from: str
    participation: Money
    remainder: Money
    rule_to_verify: bool
    warnings: list[str]


@router.post(
    "/simulate-cost",
    response={200: SimulationOut, **errors(401, 403, 422)},
    operation_id="simulate_cost",
    summary="The cost simulator: CPF-fundable amount, co-funding to seek, participation, "
    "remainder, each line explained in French (nothing is saved)",
)
def simulate_cost(request: HttpRequest, body: CostIn) -> dict[str, Any]:
    require_membership(acting_user(request), Role.ADMIN, Role.CONSULTANT, Role.BENEFICIARY)
    result = simulator.simulate(
        simulator.CostInput(
            price=body.price,
            accompaniment_minutes=body.accompaniment_minutes,
            personal_minutes=body.personal_minutes,
            routes=tuple(body.routes),
            situation=body.situation,
            exemption=body.exemption,
            prior_bilan_answer=body.prior_bilan_answer,
            cpf_rights=body.cpf_rights,
            employer_name=body.employer_name,
            opco_name=body.opco_name,
        ),
        CpfRule.in_force(timezone.localdate()),
    )
    return {**vars(result), "lines": [vars(line) for line in result.lines]}


class QualiopiIn(InputSchema):
    number: str = Field(min_length=1, max_length=100)
    certifier: str = Field(min_length=1, max_length=200)
    categories: list[QualiopiCategory] = Field(min_length=1, max_length=4)
    valid_from: dt.date
    valid_until: dt.date


class QualiopiOut(Schema):
    id: int
    number: str
    certifier: str
    categories: list[str]
    valid_from: dt.date
    valid_until: dt.date
    covers_bilan: bool


def certificate_out(c: QualiopiCertificate) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "certifier": c.certifier,
        "categories": c.categories,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "covers_bilan": c.covers_bilan,
    }


@router.get(
    "/qualiopi-certificates",
    response={200: list[QualiopiOut], **errors(401, 403)},
    operation_id="list_qualiopi_certificates",
    summary="The organisation's Qualiopi certificates (categories, validity)",
)
def list_qualiopi_certificates(request: HttpRequest) -> list[dict[str, Any]]:
    membership = require_membership(acting_user(request), Role.ADMIN, Role.CONSULTANT)
    return [
        certificate_out(c)
        for c in QualiopiCertificate.objects.filter(organisation_id=membership.organisation_id)
    ]


@router.post(
    "/qualiopi-certificates",
    response={201: QualiopiOut, **errors(401, 403, 422)},
    operation_id="record_qualiopi_certificate",
    summary="The administration records a Qualiopi certificate (the history is kept)",
)
def record_qualiopi_certificate(request: HttpRequest, body: QualiopiIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN)
    with invalid_input():
        certificate = qualiopi.record_certificate(
            organisation=Organisation.objects.get(pk=membership.organisation_id),
            by=user,
            number=body.number,
            certifier=body.certifier,
            categories=list(body.categories),
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )
    return Status(201, certificate_out(certificate))


class SessionOut(Schema):
    starts_at: dt.datetime
    planned_minutes: int
    phase: str
    status: str


class EventOut(Schema):
    kind: str
    label: str
    on: dt.date
    reason_category: str


class FundedBilanOut(Schema):
    id: int
    reference: str
    beneficiary_name: str
    status: str
    status_label: str
    completion: str
    convention_status: str
    attendance_minutes: int
    sessions: list[SessionOut]
    events: list[EventOut]
    certificate_available: bool


@router.get(
    "/funded-bilans",
    response={200: list[FundedBilanOut], **errors(401, 403)},
    operation_id="list_funded_bilans",
    summary="A funder's bilans (employer, OPCO, France Travail): administrative data only",
)
def list_funded_bilans(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    require_membership(user, *FUNDER_ROLES)
    return [
        {
            **vars(b),
            "sessions": [vars(s) for s in b.sessions],
            "events": [vars(e) for e in b.events],
        }
        for b in funders.funded_bilans(user)
    ]


class EdofTaskOut(Schema):
    bilan_id: int
    kind: str
    label: str
    from_day: dt.date
    due_on: dt.date
    late: bool


class EdofStatusIn(InputSchema):
    status: EdofStatus


class EdofStatusOut(Schema):
    bilan_id: int
    edof_status: str


@router.get(
    "/edof-tasks",
    response={200: list[EdofTaskOut], **errors(401, 403)},
    operation_id="list_edof_tasks",
    summary="« À déclarer sur EDOF »: entry / exit declarations due in 3 working days, late first",
)
def list_edof_tasks(request: HttpRequest) -> list[dict[str, Any]]:
    membership = require_membership(acting_user(request), Role.ADMIN, Role.CONSULTANT)
    organisation = Organisation.objects.get(pk=membership.organisation_id)
    return [
        {
            "bilan_id": t.bilan.pk,
            "kind": t.kind,
            "label": t.label,
            "from_day": t.from_day,
            "due_on": t.due_on,
            "late": t.late,
        }
        for t in edof.edof_tasks(organisation)
    ]


@router.put(
    "/bilans/{bilan_id}/edof-status",
    response={200: EdofStatusOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_edof_status",
    summary="Record the CPF file's EDOF status (forward only; no cancelling a declared entry)",
)
def record_edof_status(
    request: HttpRequest, bilan_id: BilanId, body: EdofStatusIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    funding = edof.record_status(bilan=bilan, by=user, status=body.status, source="api")
    return {"bilan_id": bilan.pk, "edof_status": funding.edof_status}
