"""API v1, complaints: list_complaints (the register for the staff, her own for a
beneficiary), create_complaint (a beneficiary files hers; the staff enter one received by
e-mail, phone or letter), treat_complaint (admin), get/update_quality_settings (the answer
deadline; admin). The same owner as the pages: bilan/quality/complaints.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import acting_user, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.organisations.access import require_membership
from bilan.organisations.models import Role
from bilan.quality import complaints
from bilan.quality.models import (
    ComplainantRole,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    QualitySettings,
)

router = Router(tags=["quality"])

ComplaintId = Annotated[int, Path(ge=1, le=MAX_INT)]


class ComplaintIn(InputSchema):
    text: str = Field(max_length=complaints.TEXT_MAX)
    category: ComplaintCategory
    channel: ComplaintChannel | None = Field(None, description="Staff only: how it arrived")
    complainant_role: ComplainantRole | None = Field(None, description="Staff only")
    complainant_name: str = Field("", max_length=complaints.NAME_MAX)
    complainant_email: str = Field("", max_length=254)
    received_on: dt.date | None = Field(None, description="Staff only; today by default")


class TreatmentIn(InputSchema):
    treatment: str = Field("", max_length=complaints.TEXT_MAX)
    answer: str = Field("", max_length=complaints.TEXT_MAX)
    send_answer: bool = Field(False, description="true: the answer closes it and is e-mailed")


class ComplaintOut(Schema):
    id: int
    reference: str
    received_on: dt.date
    channel: ComplaintChannel
    complainant_role: ComplainantRole
    complainant_name: str
    category: ComplaintCategory
    text: str
    status: ComplaintStatus
    answer_due_on: dt.date
    overdue: bool
    acknowledged_at: dt.datetime | None
    treatment: str | None = Field(description="null for a beneficiary")
    answer: str | None = Field(description="for a beneficiary, once sent")
    answered_at: dt.datetime | None


class QualitySettingsIn(InputSchema):
    complaint_answer_days: int = Field(ge=1, le=90)
    complaint_alert_days: int = Field(ge=0, le=30)


class QualitySettingsOut(Schema):
    complaint_answer_days: int
    complaint_alert_days: int


def complaint_out(c: Complaint, *, staff: bool) -> dict[str, Any]:
    answered = c.status == ComplaintStatus.ANSWERED
    return {
        "id": c.pk,
        "reference": c.reference,
        "received_on": c.received_on,
        "channel": c.channel,
        "complainant_role": c.complainant_role,
        "complainant_name": c.complainant_name,
        "category": c.category,
        "text": c.text,
        "status": c.status,
        "answer_due_on": c.answer_due_on,
        "overdue": c.is_overdue,
        "acknowledged_at": c.ack_sent_at,
        "treatment": c.treatment if staff else None,
        "answer": c.answer if staff or answered else None,
        "answered_at": c.answered_at,
    }


def settings_out(s: QualitySettings) -> dict[str, int]:
    return {
        "complaint_answer_days": s.complaint_answer_days,
        "complaint_alert_days": s.complaint_alert_days,
    }


def is_staff(role: str) -> bool:
    return role in (Role.ADMIN, Role.CONSULTANT)


@router.get(
    "/quality/complaints",
    response={200: list[ComplaintOut], **errors(401, 403)},
    operation_id="list_complaints",
    summary="The complaints register (staff), or the caller's own complaints (beneficiary)",
)
def list_complaints(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user)
    staff = is_staff(membership.role)
    return [complaint_out(c, staff=staff) for c in complaints.complaints_for(user)]


@router.post(
    "/quality/complaints",
    response={201: ComplaintOut, **errors(401, 403, 422)},
    operation_id="create_complaint",
    summary="File a complaint (beneficiary) or enter one received otherwise (staff)",
)
def create_complaint(request: HttpRequest, body: ComplaintIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user)
    with invalid_input():
        complaint = complaints.create_complaint(
            organisation=membership.organisation,
            by=user,
            text=body.text,
            category=body.category,
            channel=body.channel or "",
            complainant_role=body.complainant_role or "",
            complainant_name=body.complainant_name,
            complainant_email=body.complainant_email,
            received_on=body.received_on,
        )
    return Status(201, complaint_out(complaint, staff=is_staff(membership.role)))


@router.post(
    "/quality/complaints/{complaint_id}/treatment",
    response={200: ComplaintOut, **errors(401, 403, 404, 409, 422)},
    operation_id="treat_complaint",
    summary="Record the treatment, and with send_answer the answer (admin)",
)
def treat_complaint(
    request: HttpRequest, complaint_id: ComplaintId, body: TreatmentIn
) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN, Role.CONSULTANT)
    complaint = complaints.get_complaint_for_user(user, complaint_id)
    done = complaints.treat_complaint(
        complaint=complaint,
        by=user,
        treatment=body.treatment,
        answer=body.answer,
        send_answer=body.send_answer,
    )
    return complaint_out(done, staff=True)


@router.get(
    "/quality/settings",
    response={200: QualitySettingsOut, **errors(401, 403)},
    operation_id="get_quality_settings",
    summary="The organisation's complaint answer deadline and alert (staff)",
)
def get_quality_settings(request: HttpRequest) -> dict[str, int]:
    membership = require_membership(acting_user(request), Role.ADMIN, Role.CONSULTANT)
    return settings_out(complaints.settings_for(membership.organisation))


@router.put(
    "/quality/settings",
    response={200: QualitySettingsOut, **errors(401, 403, 422)},
    operation_id="update_quality_settings",
    summary="Set the complaint answer deadline and the alert before it (admin)",
)
def update_quality_settings(request: HttpRequest, body: QualitySettingsIn) -> dict[str, int]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN, Role.CONSULTANT)
    with invalid_input():
        found = complaints.update_settings(
            organisation=membership.organisation,
            by=user,
            complaint_answer_days=body.complaint_answer_days,
            complaint_alert_days=body.complaint_alert_days,
        )
    return settings_out(found)
