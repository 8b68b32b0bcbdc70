"""API v1: attendance endpoints (émargement, REQ-21), mounted on the main api (see bilan/api/api.py).

The caller signs for themself only: the beneficiary or the assigned consultant of the bilan.
Signing on someone else's device is a web-only, in-person gesture.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.entretiens.anomalies import attendance_anomalies
from bilan.entretiens.attendance import (
    client_ip,
    client_ua,
    entretien_for,
    sign_attendance,
    signatures,
    times,
)
from bilan.entretiens.ledger import hours_ledger
from bilan.entretiens.models import EntretienStatus, SignatureMethod, SignerRole
from bilan.entretiens.proof import bundle_filename, proof_bundle
from bilan.entretiens.views_attendance import zip_response
from bilan.organisations.access import require_membership
from bilan.organisations.middleware import membership_for
from bilan.organisations.models import Role

router = Router(tags=["attendance"])

EntretienId = Annotated[int, Path(ge=1, le=MAX_INT)]


class AttendanceIn(InputSchema):
    method: SignatureMethod
    signature_image: str = Field("", description="data:image/png;base64,… for a drawn one")
    typed_name: str = Field("", max_length=300)
    confirmed: bool = Field(False, description="required true for a typed name")
    regularisation_reason: str = Field(
        "", max_length=300, description="required past the organisation's delay (24 h)"
    )
    signer_role: SignerRole | None = Field(
        None, description="optional: the role the caller signs as; another's role is a 403"
    )


class AttendanceOut(Schema):
    id: int
    entretien_id: int
    signer_role: SignerRole
    method: SignatureMethod
    signed_at: dt.datetime
    regularisation: bool
    bulk: bool


@router.post(
    "/entretiens/{entretien_id}/attendance",
    response={201: AttendanceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="sign_attendance",
    summary="Sign the attendance proof of a held entretien, for oneself (REQ-21)",
)
def sign(
    request: HttpRequest, entretien_id: EntretienId, payload: AttendanceIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    entretien = entretien_for(user, entretien_id)
    attendance = sign_attendance(
        entretien=entretien,
        signer=user,
        role=payload.signer_role,
        method=payload.method,
        signature_image=payload.signature_image,
        typed_name=payload.typed_name,
        confirmed=payload.confirmed,
        regularisation_reason=payload.regularisation_reason,
        ip=client_ip(request),
        user_agent=client_ua(request),
        session="api:" + request.headers.get("Authorization", ""),  # kept as a keyed hash only
    )
    return Status(
        201,
        {
            "id": attendance.pk,
            "entretien_id": entretien.pk,
            "signer_role": attendance.signer_role,
            "method": attendance.method,
            "signed_at": attendance.signed_at,
            "regularisation": attendance.regularisation,
            "bulk": attendance.bulk,
        },
    )


class SignatureOut(Schema):
    signer_role: SignerRole
    signed_at: dt.datetime
    regularisation: bool
    regularisation_reason: str
    bulk: bool


class AttendanceRowOut(Schema):
    entretien_id: int
    phase: str
    modality: str
    start: dt.datetime
    end: dt.datetime
    held_minutes: int
    beneficiary: SignatureOut | None
    consultant: SignatureOut | None
    joined_at: dt.datetime | None


def signature_out(a: Any) -> dict[str, Any] | None:
    if a is None:
        return None
    return {
        "signer_role": a.signer_role,
        "signed_at": a.signed_at,
        "regularisation": a.regularisation,
        "regularisation_reason": a.regularisation_reason,
        "bulk": a.bulk,
    }


@router.get(
    "/bilans/{bilan_id}/attendance",
    response={200: list[AttendanceRowOut], **errors(401, 403, 404, 422)},
    operation_id="list_attendance",
    summary="The attendance proofs of the bilan's held entretiens: times and signatures, no content",
)
def list_attendance(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    rows = []
    held = (
        bilan.entretiens.filter(status=EntretienStatus.HELD)
        .prefetch_related("attendances", "presences")
        .order_by("starts_at", "id")
    )
    for entretien in held:
        start, end = times(entretien)
        signed = signatures(entretien)
        joins = [p.at for p in entretien.presences.all() if p.kind == "join"]
        rows.append(
            {
                "entretien_id": entretien.pk,
                "phase": entretien.phase,
                "modality": entretien.modality,
                "start": start,
                "end": end,
                "held_minutes": entretien.held_minutes,
                "beneficiary": signature_out(signed[SignerRole.BENEFICIARY]),
                "consultant": signature_out(signed[SignerRole.CONSULTANT]),
                "joined_at": min(joins) if joins else None,
            }
        )
    return rows


class UnprovenOut(Schema):
    entretien_id: int
    starts_at: dt.datetime
    phase: str
    minutes: int
    missing: list[str]


class HoursLedgerOut(Schema):
    """Minutes. Delivered accompaniment = held entretiens with both signatures (and, by video,
    the beneficiary's connection record); personal work from the assignments, apart."""

    delivered_accompaniment: int
    held_accompaniment: int
    planned_accompaniment: int
    personal_planned: int
    personal_delivered: int
    min_accompaniment: int
    max_total: int
    completion_rate: str
    reaches_minimum: bool
    unproven: list[UnprovenOut]


@router.get(
    "/bilans/{bilan_id}/hours-ledger",
    response={200: HoursLedgerOut, **errors(401, 403, 404, 422)},
    operation_id="get_hours_ledger",
    summary="The hours ledger: delivered hours from signed attendance only (issue 14)",
)
def get_hours_ledger(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    ledger = hours_ledger(bilan)
    return {
        "delivered_accompaniment": ledger.delivered_accompaniment,
        "held_accompaniment": ledger.held_accompaniment,
        "planned_accompaniment": ledger.planned_accompaniment,
        "personal_planned": ledger.personal_planned,
        "personal_delivered": ledger.personal_delivered,
        "min_accompaniment": ledger.min_accompaniment,
        "max_total": ledger.max_total,
        "completion_rate": str(ledger.completion_rate),
        "reaches_minimum": ledger.reaches_minimum,
        "unproven": [
            {
                "entretien_id": u.entretien_id,
                "starts_at": u.starts_at,
                "phase": u.phase,
                "minutes": u.minutes,
                "missing": list(u.missing),
            }
            for u in ledger.unproven
        ],
    }


@router.get(
    "/bilans/{bilan_id}/proof-bundle",
    response=errors(401, 403, 404, 422),
    operation_id="get_proof_bundle",
    summary="The « dossier de preuve »: a zip of PDFs with an index, no content (staff)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The zip, as an attachment",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_proof_bundle(request: HttpRequest, bilan_id: BilanId) -> HttpResponse:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    return zip_response(proof_bundle(bilan), bundle_filename(bilan))


class AnomalyOut(Schema):
    kind: str = Field(..., description="unsigned, late, bulk or hours")
    consultant_id: int
    consultant: str
    bilan_id: int
    reference: str
    entretien_id: int | None
    day: dt.date | None
    detail: str


@router.get(
    "/attendance-anomalies",
    response={200: list[AnomalyOut], **errors(401, 403, 422)},
    operation_id="list_attendance_anomalies",
    summary="The organisation's attendance anomalies, per consultant, over a period (admins)",
)
def list_attendance_anomalies(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    user = acting_user(request)
    if not hasattr(user, "membership"):
        user.membership = membership_for(user)
    membership = require_membership(user, Role.ADMIN)
    return [
        a.__dict__ for a in attendance_anomalies(membership.organisation_id, start=start, end=end)
    ]
