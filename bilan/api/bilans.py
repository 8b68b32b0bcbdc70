"""API v1: the core bilan operations (in the shell's app, the layer right above the core: the
shell imports the core, so the core cannot hold them) (list, create, read, consent, advance, hours, consultant,
preliminary outputs, personal work, withdrawal, administrative record), mounted on the main api (bilan/api/api.py).
Every rule stays in the models and bilans.actions; here we only translate."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from ninja import Field, Query, Router, Status

from bilan.accounts.models import User
from bilan.api.base import BilanId, acting_user, errors, invalid_input
from bilan.api.schemas import (
    MAX_INT,
    AdvanceIn,
    BilanDetailOut,
    BilanIn,
    BilanOut,
    BilanPageOut,
    ConsentIn,
    ConsentOut,
    ConsultantIn,
    HoursIn,
    InputSchema,
    PersonalWorkIn,
    PreliminaryOutputsIn,
    ScanIn,
)
from bilan.bilans import actions
from bilan.bilans.access import can_read_content, get_bilan_for_user
from bilan.bilans.models import Bilan, BilanFraming, FundingRoute, Situation
from bilan.bilans.models import Status as BilanStatus
from bilan.bilans.transitions import may_transition, run_transition
from bilan.compliance.audit import record_content_access
from bilan.organisations.access import require_membership
from bilan.organisations.models import HoursRule, Role

router = Router(tags=["bilans"])


# ---- serialising ------------------------------------------------------------------


def rules_in_force() -> Callable[[Bilan], HoursRule]:
    """The hours rule of each bilan, with one query per organisation met (one for staff)."""
    tables: dict[int, Callable[[dt.date], HoursRule]] = {}

    def rule(bilan: Bilan) -> HoursRule:
        if bilan.organisation_id not in tables:
            tables[bilan.organisation_id] = HoursRule.table(bilan.organisation)
        return tables[bilan.organisation_id](bilan.opened_on)

    return rule


def bilan_out(bilan: Bilan, rule: HoursRule | None = None) -> dict[str, Any]:
    budget = bilan.budget(rule)
    return {
        "id": bilan.pk,
        "reference": bilan.reference,
        "status": bilan.status,
        "status_label": str(bilan.get_status_display()),
        "beneficiary": {
            "id": bilan.beneficiary_id,
            "name": bilan.beneficiary.get_full_name(),
            "email": bilan.beneficiary_email,
        },
        "consultant": {"id": bilan.consultant_id, "name": bilan.consultant.get_full_name()},
        "situation": bilan.situation,
        "funding_route": bilan.funding_route,
        "funding_reference": bilan.funding_reference,
        "format": bilan.format,
        "opened_on": bilan.opened_on,
        "closed_on": bilan.closed_on,
        "hours": {
            "planned_total": budget.planned_total,
            "delivered_accompaniment": budget.delivered_accompaniment,
            "max_total": budget.max_total,
            "min_accompaniment": budget.min_accompaniment,
            "below_minimum": budget.below_minimum,
        },
    }


def content_out(framing: BilanFraming) -> dict[str, Any]:
    return {
        "request_text": framing.request_text,
        "needs_analysis": framing.needs_analysis,
        "agreed_arrangements": framing.agreed_arrangements,
        "arrangements_validations": {
            "beneficiary_validated_at": framing.arrangements_beneficiary_validated_at,
            "consultant_validated_at": framing.arrangements_consultant_validated_at,
        },
    }


def member_of(organisation_id: int, pk: int | None) -> User:
    """The member `pk` of the organisation; the model then checks they are a consultant."""
    user = (
        None
        if pk is None
        else User.objects.filter(pk=pk, memberships__organisation_id=organisation_id).first()
    )
    if user is None:
        raise ValidationError(_t("Choisissez un·e consultant·e de l'organisme (consultant_id)."))
    return user


@router.get(
    "/bilans",
    response={200: BilanPageOut, **errors(401, 403, 422)},
    operation_id="list_bilans",
    summary="Bilans visible to the token's user",
)
def list_bilans(
    request: HttpRequest,
    status: BilanStatus | None = None,
    limit: int = Query(50, ge=1, le=200),  # type: ignore[type-arg]  # ninja's Query is a generic alias used as a default
    offset: int = Query(0, ge=0, le=MAX_INT),  # type: ignore[type-arg]
) -> dict[str, Any]:
    user = acting_user(request)
    bilans = Bilan.objects.for_user(user)
    if status:
        bilans = bilans.filter(status=status)
    page = bilans.with_people().with_hours()[offset : offset + limit]
    rule = rules_in_force()
    return {
        "count": bilans.count(),
        "limit": limit,
        "offset": offset,
        "items": [bilan_out(bilan, rule(bilan)) for bilan in page],
    }


@router.post(
    "/bilans",
    response={201: BilanOut, **errors(401, 403, 422)},
    operation_id="create_bilan",
    summary="Open a bilan (status « demande ») for a new or existing beneficiary",
)
def create_bilan(request: HttpRequest, payload: BilanIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN, Role.CONSULTANT)
    if membership.role == Role.CONSULTANT and payload.consultant_id is None:
        consultant = user  # a consultant opens bilans for themself
    else:
        # create_bilan checks this person may choose them (consultants_open_to).
        consultant = member_of(membership.organisation_id, payload.consultant_id)
    with invalid_input():
        bilan = actions.create_bilan(
            acting_user=user,
            organisation=membership.organisation,
            consultant=consultant,
            **payload.model_dump(exclude={"consultant_id"}),
        )
    return Status(201, bilan_out(bilan))


@router.get(
    "/bilans/{bilan_id}",
    response={200: BilanDetailOut, **errors(401, 403, 404, 422)},
    operation_id="get_bilan",
    summary="One bilan; its content only for the beneficiary and the assigned consultant",
)
def get_bilan(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    content = None
    if can_read_content(user, bilan):
        framing = bilan.framing_or_empty()
        content = content_out(framing)
        if framing.pk:  # the beneficiary's own reads are not logged (record_content_access)
            record_content_access(actor=user, bilan=bilan, objects=[framing], channel="api")
    return {**bilan_out(bilan), "content": content}


def scan_file(scan: ScanIn | None) -> UploadedFile | None:
    """The scanned form of a JSON body as an upload (checked by the owner, check_scan)."""
    if scan is None:
        return None
    try:
        content = base64.b64decode(scan.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _t("Le formulaire numérisé est illisible : envoyez son contenu en base64.")
        ) from None
    return SimpleUploadedFile(scan.name, content)


@router.post(
    "/bilans/{bilan_id}/consent",
    response={201: ConsentOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_consent",
    summary="Record consent: online by the beneficiary, or on paper by the organisation",
)
def record_consent(
    request: HttpRequest, bilan_id: BilanId, payload: ConsentIn
) -> Status[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    consent = bilan.record_consent(
        by=user,
        method=payload.method,
        shown_version=payload.notice_version,
        # The API's « session » is the bearer token it was given with (kept as an HMAC).
        session_key=request.headers.get("Authorization", "").removeprefix("Bearer ").strip(),
        scan=scan_file(payload.scan),
    )
    return Status(
        201,
        {
            "given_at": consent.given_at,
            "method": consent.method,
            "notice_version": consent.notice_version,
        },
    )


@router.post(
    "/bilans/{bilan_id}/advance",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="advance_bilan",
    summary="Run one lifecycle transition",
)
def advance_bilan(request: HttpRequest, bilan_id: BilanId, payload: AdvanceIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    if not may_transition(user, bilan, payload.transition):
        raise PermissionDenied(
            _t("Votre rôle ne permet pas cette transition (%(transition)s).")
            % {"transition": payload.transition}
        )
    run_transition(
        bilan,
        payload.transition,
        by=user,
        completion=payload.completion,
        reason=payload.reason,
        decision=payload.decision,
    )
    return bilan_out(bilan)


@router.post(
    "/bilans/{bilan_id}/hours",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="plan_hours",
    summary="Set the programme of hours (refused over the ceiling)",
)
def plan_hours(request: HttpRequest, bilan_id: BilanId, payload: HoursIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.plan_hours(
        by=user,
        accompaniment_minutes=payload.accompaniment_minutes,
        personal_minutes=payload.personal_minutes,
    )
    return bilan_out(bilan)


@router.post(
    "/bilans/{bilan_id}/consultant",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="assign_consultant",
    summary="Give the bilan to another consultant of the organisation (admin only)",
)
def assign_consultant(
    request: HttpRequest, bilan_id: BilanId, payload: ConsultantIn
) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    consultant = member_of(bilan.organisation_id, payload.consultant_id)
    bilan.assign_consultant(by=user, consultant=consultant, reason=payload.reason)
    return bilan_out(bilan)


@router.post(
    "/bilans/{bilan_id}/preliminary-outputs",
    response={200: BilanDetailOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_preliminary_outputs",
    summary="Record the preliminary phase's outputs: needs analysis, format, rhythm, agreed "
    "arrangements (the assigned consultant, in the preliminary phase)",
)
def record_preliminary_outputs(
    request: HttpRequest, bilan_id: BilanId, payload: PreliminaryOutputsIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.record_preliminary_outputs(by=user, **payload.model_dump())
    return get_bilan(request, bilan_id)


@router.post(
    "/bilans/{bilan_id}/personal-work",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_personal_work",
    summary="Record the personal work delivered (the assigned consultant; refused over the "
    "ceiling when it counts)",
)
def record_personal_work(
    request: HttpRequest, bilan_id: BilanId, payload: PersonalWorkIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    bilan.record_personal_work(by=user, minutes=payload.minutes)
    return bilan_out(bilan)


@router.post(
    "/bilans/{bilan_id}/consent/withdrawal",
    response={200: BilanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="withdraw_consent",
    summary="The beneficiary withdraws their consent: the bilan is interrupted (beneficiary only)",
)
def withdraw_consent(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    bilan.withdraw_consent(by=user)
    return bilan_out(bilan)


class AdministrationIn(InputSchema):
    """The bilan page's « Informations administratives »: the beneficiary's identity, the
    situation and the financing, corrected together."""

    first_name: str = Field(min_length=1, max_length=150)
    last_name: str = Field(min_length=1, max_length=150)
    phone: str = Field("", max_length=30)
    situation: Situation
    situation_detail: str = Field("", max_length=200, description="Required for « autre ».")
    funding_route: FundingRoute
    funding_reference: str = Field("", max_length=100)


@router.put(
    "/bilans/{bilan_id}/administration",
    response={200: BilanDetailOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_administration",
    summary="Correct the beneficiary's identity, the situation and the financing (the admin or "
    "the assigned consultant; never content)",
)
def update_administration(
    request: HttpRequest, bilan_id: BilanId, payload: AdministrationIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    actions.update_bilan_administration(acting_user=user, bilan=bilan, **payload.model_dump())
    return get_bilan(request, bilan_id)
