"""API v1: the data lifecycle (issue 16), mounted by config/api.py.

The retention schedule is read by whoever sees the bilan (beneficiary, assigned consultant,
administration: it is administrative data, no content); the written agreement for follow-up
is the beneficiary's act only (staff: 403); the rules table is read by every member and
confirmed by the administration only. Bilans out of reach: 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.lifecycle import retention
from bilan.lifecycle.models import AgreementScope, ConservationAgreement, RetentionRule
from bilan.organisations.access import get_bilan_for_user, require_membership
from bilan.organisations.models import Role

router = Router(tags=["lifecycle"])

RuleId = Annotated[int, Path(ge=1, le=MAX_INT)]
Scope = Literal[tuple(AgreementScope.values)]  # type: ignore[valid-type]


class RuleOut(Schema):
    id: int | None
    document_class: str
    variant: str
    valid_from: dt.date
    duration_months: int
    start_event: str
    outcome: str
    agreement_max_months: int | None
    source: str
    to_verify: bool = Field(description="« à vérifier au JO » until an admin confirms it")
    organisation_id: int | None


class ClassScheduleOut(Schema):
    document_class: str
    label: str
    rule: RuleOut
    starts_on: dt.date | None
    due_on: dt.date | None = Field(description="When the outcome applies; empty: not yet known")
    outcome: str
    kept_by_agreement: bool
    destroyed_on: dt.date | None
    note: str


class AgreementOut(Schema):
    id: int
    bilan_id: int
    scope: str
    reason: str
    signed_at: dt.datetime
    withdrawn_at: dt.datetime | None


class ScheduleOut(Schema):
    bilan_id: int
    end_of_action: dt.date | None
    agreement: AgreementOut | None
    classes: list[ClassScheduleOut]


class AgreementIn(InputSchema):
    scope: Scope  # type: ignore[valid-type]
    reason: str = Field(max_length=500)


def rule_out(rule: RetentionRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "document_class": rule.data_class,
        "variant": rule.variant,
        "valid_from": rule.valid_from,
        "duration_months": rule.duration_months,
        "start_event": rule.start_event,
        "outcome": rule.outcome,
        "agreement_max_months": rule.agreement_max_months,
        "source": rule.source,
        "to_verify": rule.to_verify,
        "organisation_id": rule.organisation_id,
    }


def agreement_out(a: ConservationAgreement) -> dict[str, Any]:
    return {
        "id": a.pk,
        "bilan_id": a.bilan_id,
        "scope": a.scope,
        "reason": a.reason,
        "signed_at": a.signed_at,
        "withdrawn_at": a.withdrawn_at,
    }


@router.get(
    "/bilans/{bilan_id}/retention",
    response={200: ScheduleOut, **errors(401, 403, 404, 422)},
    operation_id="get_retention_schedule",
    summary="The bilan's retention schedule: each document class, its rule and its date",
)
def get_retention_schedule(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    bilan = get_bilan_for_user(acting_user(request), bilan_id)
    agreement = retention.active_agreement(bilan)
    return {
        "bilan_id": bilan.pk,
        "end_of_action": bilan.closed_on,
        "agreement": agreement_out(agreement) if agreement else None,
        "classes": [
            {
                "document_class": s.document_class.value,
                "label": s.label,
                "rule": rule_out(s.rule),
                "starts_on": s.starts_on,
                "due_on": s.due_on,
                "outcome": s.outcome,
                "kept_by_agreement": s.kept_by_agreement,
                "destroyed_on": s.destroyed_on,
                "note": s.note,
            }
            for s in retention.schedule(bilan, agreement=agreement)
        ],
    }


@router.post(
    "/bilans/{bilan_id}/conservation-agreement",
    response={201: AgreementOut, **errors(401, 403, 404, 409, 422)},
    operation_id="sign_conservation_agreement",
    summary="The beneficiary's written agreement to keep documents for her follow-up (R6313-7)",
)
def sign_conservation_agreement(
    request: HttpRequest, bilan_id: BilanId, payload: AgreementIn
) -> Status[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    agreement = retention.sign_agreement(
        bilan=bilan, by=user, scope=payload.scope, reason=payload.reason
    )
    return Status(201, agreement_out(agreement))


@router.post(
    "/bilans/{bilan_id}/conservation-agreement/withdraw",
    response={200: AgreementOut, **errors(401, 403, 404, 409, 422)},
    operation_id="withdraw_conservation_agreement",
    summary="The beneficiary withdraws her agreement: the standard retention applies again",
)
def withdraw_conservation_agreement(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return agreement_out(retention.withdraw_agreement(bilan=bilan, by=user))


@router.get(
    "/retention-rules",
    response={200: list[RuleOut], **errors(401, 403)},
    operation_id="list_retention_rules",
    summary="The retention rules in force for the caller's organisation",
)
def list_retention_rules(request: HttpRequest) -> list[dict[str, Any]]:
    membership = require_membership(acting_user(request))
    return [rule_out(r) for r in retention.rules_in_force(membership.organisation)]


@router.post(
    "/retention-rules/{rule_id}/confirm",
    response={200: RuleOut, **errors(401, 403, 404, 409, 422)},
    operation_id="confirm_retention_rule",
    summary="The administration confirms a rule « à vérifier au JO » (adopted as its own row)",
)
def confirm_retention_rule(request: HttpRequest, rule_id: RuleId) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN)
    rule = retention.visible_rule(user, rule_id)
    return rule_out(retention.confirm_rule(rule=rule, by=user))
