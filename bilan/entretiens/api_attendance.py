"""API v1: attendance endpoints (émargement, REQ-21), mounted on the main api (see bilan/api/api.py).

The caller signs for themself only: the beneficiary or the assigned consultant of the bilan.
Signing on someone else's device is a web-only, in-person gesture.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.entretiens.attendance import client_ip, client_ua, entretien_for, sign_attendance
from bilan.entretiens.models import SignatureMethod, SignerRole

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
