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

from bilan.api.base import BilanId, acting_user, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.lifecycle import destruction, notice, registers, requests, retention
from bilan.lifecycle.models import (
    AgreementScope,
    Breach,
    ConservationAgreement,
    DataRequest,
    HoldKind,
    LegalHold,
    RequestKind,
    RetentionRule,
    Variant,
)
from bilan.organisations.access import require_membership
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


class HoldOut(Schema):
    id: int
    bilan_id: int
    kind: str
    reason: str
    placed_at: dt.datetime
    lifted_at: dt.datetime | None


class ScheduleOut(Schema):
    bilan_id: int
    end_of_action: dt.date | None
    proof_variant: str
    agreement: AgreementOut | None
    legal_hold: HoldOut | None = Field(description="While set, nothing of the bilan is destroyed")
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
    hold = destruction.active_hold(bilan)
    return {
        "bilan_id": bilan.pk,
        "end_of_action": bilan.closed_on,
        "proof_variant": retention.lifecycle_of(bilan).proof_variant,
        "agreement": agreement_out(agreement) if agreement else None,
        "legal_hold": hold_out(hold) if hold else None,
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


# ---- destruction: certificate, legal holds, the proofs' variant --------------------------------


class DestructionLineOut(Schema):
    document_class: str
    model: str
    count: int
    files: int
    due_on: dt.date
    destroyed_at: dt.datetime
    rule_source: str
    reason: str


class CertificateOut(Schema):
    bilan_id: int
    bilan_reference: str
    organisation_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: list[DestructionLineOut]


class HoldIn(InputSchema):
    kind: Literal[tuple(HoldKind.values)]  # type: ignore[valid-type]
    reason: str = Field(max_length=500)


class ProofVariantIn(InputSchema):
    variant: Literal[tuple(Variant.values)]  # type: ignore[valid-type]


def hold_out(h: LegalHold) -> dict[str, Any]:
    return {
        "id": h.pk,
        "bilan_id": h.bilan_id,
        "kind": h.kind,
        "reason": h.reason,
        "placed_at": h.placed_at,
        "lifted_at": h.lifted_at,
    }


@router.get(
    "/bilans/{bilan_id}/destruction-certificate",
    response={200: CertificateOut, **errors(401, 403, 404, 422)},
    operation_id="get_destruction_certificate",
    summary="What was destroyed of a bilan: classes, counts, dates — never content",
)
def get_destruction_certificate(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    certificate = destruction.certificate_for(acting_user(request), bilan_id)
    return {
        "bilan_id": certificate.bilan_id,
        "bilan_reference": certificate.bilan_reference,
        "organisation_id": certificate.organisation_id,
        "created_at": certificate.created_at,
        "updated_at": certificate.updated_at,
        "lines": [
            {
                "document_class": line.destroyed_class,
                "model": line.model_label,
                "count": line.count,
                "files": line.files,
                "due_on": line.due_on,
                "destroyed_at": line.destroyed_at,
                "rule_source": line.rule_source,
                "reason": line.reason,
            }
            for line in destruction.certificate_lines(certificate)
        ],
    }


@router.post(
    "/bilans/{bilan_id}/legal-hold",
    response={201: HoldOut, **errors(401, 403, 404, 409, 422)},
    operation_id="place_legal_hold",
    summary="Suspend every destruction of the bilan (control or litigation; the administration)",
)
def place_legal_hold(
    request: HttpRequest, bilan_id: BilanId, payload: HoldIn
) -> Status[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    hold = destruction.place_hold(bilan=bilan, by=user, kind=payload.kind, reason=payload.reason)
    return Status(201, hold_out(hold))


@router.post(
    "/bilans/{bilan_id}/legal-hold/lift",
    response={200: HoldOut, **errors(401, 403, 404, 409, 422)},
    operation_id="lift_legal_hold",
    summary="Lift the suspension: destructions due run at the next nightly job",
)
def lift_legal_hold(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return hold_out(destruction.lift_hold(bilan=bilan, by=user))


@router.put(
    "/bilans/{bilan_id}/proof-retention",
    response={200: ScheduleOut, **errors(401, 403, 404, 422)},
    operation_id="set_proof_retention",
    summary="How long the bilan's proofs are kept: general case, OPCO (6 y), co-financed (10 y)",
)
def set_proof_retention(
    request: HttpRequest, bilan_id: BilanId, payload: ProofVariantIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    retention.set_proof_variant(bilan=bilan, by=user, variant=payload.variant)
    return get_retention_schedule(request, bilan_id)


# ---- the information notice ------------------------------------------------------------------


class NoticeOut(Schema):
    version: str = Field(description="The version in force: the one a consent records")
    published_at: dt.datetime | None
    changes: str
    acknowledgement_due: bool = Field(
        description="The caller consented under an older version and must read this one"
    )


def notice_out(user: Any) -> dict[str, Any]:
    shown = notice.current()
    return {
        "version": notice.current_version(),
        "published_at": shown.published_at if shown else None,
        "changes": shown.changes if shown else "",
        "acknowledgement_due": notice.needs_acknowledgement(user) is not None,
    }


@router.get(
    "/information-notice",
    response={200: NoticeOut, **errors(401, 403)},
    operation_id="get_information_notice",
    summary="The information notice in force (REQ-58) and whether the caller must read it again",
)
def get_information_notice(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user)
    return notice_out(user)


@router.post(
    "/information-notice/acknowledge",
    response={200: NoticeOut, **errors(401, 403)},
    operation_id="acknowledge_information_notice",
    summary="The beneficiary has read the notice in force (the server's version is recorded)",
)
def acknowledge_information_notice(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.BENEFICIARY)
    notice.acknowledge(user=user)
    return notice_out(user)


# ---- data-subject requests -------------------------------------------------------------------

DataRequestId = Annotated[int, Path(ge=1, le=MAX_INT)]


class DataRequestIn(InputSchema):
    kind: Literal[tuple(RequestKind.values)]  # type: ignore[valid-type]
    details: str = Field("", max_length=2000)


class DataRequestAnswerOut(Schema):
    at: dt.datetime
    kind: str
    text: str


class DataRequestOut(Schema):
    id: int
    bilan_id: int
    kind: str
    details: str
    created_at: dt.datetime
    due_on: dt.date = Field(description="One month after filing; three when extended")
    extended: bool
    status: str
    answers: list[DataRequestAnswerOut]


class AnswerIn(InputSchema):
    text: str = Field(max_length=4000)
    refused: bool = Field(False, description="A motivated refusal rather than an answer")


class ExtendIn(InputSchema):
    reason: str = Field(max_length=500)


def data_request_out(r: DataRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "bilan_id": r.bilan_id,
        "kind": r.kind,
        "details": r.details,
        "created_at": r.created_at,
        "due_on": r.due_on,
        "extended": r.extended,
        "status": r.status,
        "answers": [{"at": a.at, "kind": a.kind, "text": a.text} for a in r.answers.all()],
    }


@router.post(
    "/bilans/{bilan_id}/data-requests",
    response={201: DataRequestOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_data_request",
    summary="The beneficiary exercises a right (access, rectification, erasure, restriction, "
    "objection, portability); an erasure is carried out at once on an ended bilan",
)
def create_data_request(
    request: HttpRequest, bilan_id: BilanId, payload: DataRequestIn
) -> Status[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    created = requests.create_request(
        bilan=bilan, by=user, kind=payload.kind, details=payload.details
    )
    return Status(201, data_request_out(requests.requests_for(user).get(pk=created.pk)))


@router.get(
    "/data-requests",
    response={200: list[DataRequestOut], **errors(401, 403)},
    operation_id="list_data_requests",
    summary="The beneficiary's own requests, or the organisation's for its administration",
)
def list_data_requests(request: HttpRequest) -> list[dict[str, Any]]:
    return [data_request_out(r) for r in requests.requests_for(acting_user(request))]


@router.post(
    "/data-requests/{data_request_id}/answer",
    response={200: DataRequestOut, **errors(401, 403, 404, 409, 422)},
    operation_id="answer_data_request",
    summary="The administration answers a request (logged)",
)
def answer_data_request(
    request: HttpRequest, data_request_id: DataRequestId, payload: AnswerIn
) -> dict[str, Any]:
    user = acting_user(request)
    found = requests.get_request(user, data_request_id)
    requests.answer_request(request=found, by=user, text=payload.text, refused=payload.refused)
    return data_request_out(requests.get_request(user, data_request_id))


@router.post(
    "/data-requests/{data_request_id}/extend",
    response={200: DataRequestOut, **errors(401, 403, 404, 409, 422)},
    operation_id="extend_data_request",
    summary="Two more months for a complex request (GDPR Art. 12-3), once, with the reason",
)
def extend_data_request(
    request: HttpRequest, data_request_id: DataRequestId, payload: ExtendIn
) -> dict[str, Any]:
    user = acting_user(request)
    found = requests.get_request(user, data_request_id)
    requests.extend_request(request=found, by=user, reason=payload.reason)
    return data_request_out(requests.get_request(user, data_request_id))


# ---- the breach log (REQ-54) -----------------------------------------------------------------

BreachId = Annotated[int, Path(ge=1, le=MAX_INT)]


class BreachIn(InputSchema):
    detected_at: dt.datetime
    description: str = Field(max_length=4000)
    data_categories: str = Field(max_length=500)
    people_count: int = Field(0, ge=0, le=MAX_INT)
    measures: str = Field("", max_length=4000)


class BreachNotifiedIn(InputSchema):
    reason_not_notified: str = Field(
        "", max_length=500, description="Empty: the CNIL was notified now; else why not"
    )


class BreachOut(Schema):
    id: int
    detected_at: dt.datetime
    notify_by: dt.datetime = Field(description="72 hours after detection (Art. 33)")
    description: str
    data_categories: str
    people_count: int
    measures: str
    cnil_notified_at: dt.datetime | None
    no_notification_reason: str


def breach_out(b: Breach) -> dict[str, Any]:
    return {
        "id": b.pk,
        "detected_at": b.detected_at,
        "notify_by": b.notify_by,
        "description": b.description,
        "data_categories": b.data_categories,
        "people_count": b.people_count,
        "measures": b.measures,
        "cnil_notified_at": b.cnil_notified_at,
        "no_notification_reason": b.no_notification_reason,
    }


@router.get(
    "/breaches",
    response={200: list[BreachOut], **errors(401, 403)},
    operation_id="list_breaches",
    summary="The organisation's breach log with the 72-hour clock (the administration)",
)
def list_breaches(request: HttpRequest) -> list[dict[str, Any]]:
    return [breach_out(b) for b in registers.breaches_for(acting_user(request))]


@router.post(
    "/breaches",
    response={201: BreachOut, **errors(401, 403, 422)},
    operation_id="record_breach",
    summary="Record a personal data breach (the administration)",
)
def record_breach(request: HttpRequest, payload: BreachIn) -> Status[dict[str, Any]]:
    with invalid_input():
        breach = registers.record_breach(
            by=acting_user(request),
            detected_at=payload.detected_at,
            description=payload.description,
            data_categories=payload.data_categories,
            people_count=payload.people_count,
            measures=payload.measures,
        )
    return Status(201, breach_out(breach))


@router.post(
    "/breaches/{breach_id}/notified",
    response={200: BreachOut, **errors(401, 403, 404, 409, 422)},
    operation_id="notify_breach",
    summary="The CNIL was notified, or why no notification is due",
)
def notify_breach(
    request: HttpRequest, breach_id: BreachId, payload: BreachNotifiedIn
) -> dict[str, Any]:
    user = acting_user(request)
    breach = registers.get_breach(user, breach_id)
    return breach_out(
        registers.mark_notified(
            breach=breach, by=user, reason_not_notified=payload.reason_not_notified
        )
    )
