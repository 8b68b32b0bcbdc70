"""API v1: entretiens endpoints, mounted on the main api (see bilan/api/api.py).

Booking is the assigned consultant's act; reading an entretien gives its administrative
record only (when, where, how long, its state) — never notes, which are content.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _t
from ninja import Field, Path, Router, Schema, Status
from pydantic import model_validator

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Phase
from bilan.bilans.transitions import may_transition
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus, Modality

router = Router(tags=["entretiens"])

EntretienId = Annotated[int, Path(ge=1, le=MAX_INT)]


class EntretienIn(InputSchema):
    interview_key: str = Field(
        "",
        max_length=100,
        description="An interview of the organisation's current guide (list_guides); "
        "empty: a free entretien of the bilan's current phase.",
    )
    title: str = Field("", max_length=200, description="Default: the interview's title.")
    starts_at: dt.datetime = Field(description="ISO 8601 with its offset, in the future.")
    planned_minutes: int = Field(ge=1, le=24 * 60)
    modality: Modality
    place: str = Field("", max_length=300, description="Required in person.")
    video_link: str = Field("", max_length=500, description="Required by video (https://…).")


class EntretienOut(Schema):
    id: int
    bilan_id: int
    phase: Phase
    title: str
    guide_id: int | None
    interview_key: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    planned_minutes: int
    modality: Modality
    place: str
    video_link: str
    status: EntretienStatus
    held_minutes: int
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    cancel_reason: CancelReason | None
    sequence: int = Field(description="iCalendar SEQUENCE: grows on each change sent.")


def entretien_out(entretien: Entretien) -> dict[str, Any]:
    return {
        "id": entretien.pk,
        "bilan_id": entretien.bilan_id,
        "phase": entretien.phase,
        "title": entretien.title,
        "guide_id": entretien.guide_id,
        "interview_key": entretien.interview_key,
        "starts_at": entretien.starts_at,
        "ends_at": entretien.ends_at,
        "planned_minutes": entretien.planned_minutes,
        "modality": entretien.modality,
        "place": entretien.place,
        "video_link": entretien.video_link,
        "status": entretien.status,
        "held_minutes": entretien.held_minutes,
        "actual_start": entretien.actual_start,
        "actual_end": entretien.actual_end,
        "cancel_reason": entretien.cancel_reason or None,
        "sequence": entretien.sequence,
    }


@router.post(
    "/bilans/{bilan_id}/entretiens",
    response={201: EntretienOut, **errors(401, 403, 404, 409, 422)},
    operation_id="schedule_entretien",
    summary="Book an entretien (an interview of the guide, or free); both parties get the .ics",
)
def schedule_entretien(
    request: HttpRequest, bilan_id: BilanId, payload: EntretienIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    if not may_transition(user, bilan, "schedule_entretien"):
        raise PermissionDenied(_t("Seul·e le ou la consultant·e du bilan planifie ses entretiens."))
    # The answer is built inside the transaction: a failure rendering it saves nothing.
    with transaction.atomic():
        entretien = Entretien.schedule(bilan=bilan, by=user, invite=True, **payload.model_dump())
        return Status(201, entretien_out(entretien))


@router.get(
    "/entretiens/{entretien_id}",
    response={200: EntretienOut, **errors(401, 403, 404, 422)},
    operation_id="get_entretien",
    summary="One entretien's administrative record (no notes)",
)
def get_entretien(request: HttpRequest, entretien_id: EntretienId) -> dict[str, Any]:
    user = acting_user(request)
    entretien = get_object_or_404(Entretien, pk=entretien_id)
    get_bilan_for_user(user, entretien.bilan_id)  # 404 unless the caller may see the bilan
    return entretien_out(entretien)


@router.get(
    "/bilans/{bilan_id}/entretiens",
    response={200: list[EntretienOut], **errors(401, 403, 404, 422)},
    operation_id="list_entretiens",
    summary="A bilan's entretiens in date order, as on its page: their administrative record "
    "(no notes)",
)
def list_entretiens(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)  # 404 unless the caller may see the bilan
    return [entretien_out(e) for e in bilan.entretiens.all()]  # Meta: by starts_at, as the page


class CancelIn(InputSchema):
    missed: bool = Field(False, description="true: the beneficiary did not come (no_show).")
    reason: CancelReason | None = Field(None, description="Required for a cancellation.")

    @model_validator(mode="after")
    def has_a_reason(self) -> CancelIn:
        if not self.missed and self.reason is None:
            raise ValueError("reason est requis pour une annulation")
        return self


@router.post(
    "/entretiens/{entretien_id}/cancel",
    response={200: EntretienOut, **errors(401, 403, 404, 409, 422)},
    operation_id="cancel_entretien",
    summary="Cancel a planned entretien (both calendars get the cancellation) or mark it "
    "missed (the assigned consultant)",
)
def cancel_entretien(
    request: HttpRequest, entretien_id: EntretienId, payload: CancelIn
) -> dict[str, Any]:
    user = acting_user(request)
    entretien = get_object_or_404(Entretien, pk=entretien_id)
    get_bilan_for_user(user, entretien.bilan_id, write=True)  # 404 unless visible, 403 if not staff
    entretien.cancel(by=user, missed=payload.missed, reason=payload.reason or "")
    return entretien_out(entretien)


class RescheduleIn(InputSchema):
    starts_at: dt.datetime = Field(description="ISO 8601 with its offset, in the future.")
    planned_minutes: int = Field(ge=1, le=24 * 60)
    modality: Modality
    place: str = Field("", max_length=300, description="Required in person.")
    video_link: str = Field("", max_length=500, description="Required by video (https://…).")


@router.post(
    "/entretiens/{entretien_id}/reschedule",
    response={200: EntretienOut, **errors(401, 403, 404, 409, 422)},
    operation_id="reschedule_entretien",
    summary="Move a planned entretien (the booking's rules); both parties get the update "
    "(the assigned consultant)",
)
def reschedule_entretien(
    request: HttpRequest, entretien_id: EntretienId, payload: RescheduleIn
) -> dict[str, Any]:
    user = acting_user(request)
    entretien = get_object_or_404(Entretien, pk=entretien_id)
    get_bilan_for_user(user, entretien.bilan_id, write=True)  # 404 unless visible, 403 if not staff
    if not may_transition(user, entretien.bilan, "reschedule_entretien"):
        raise PermissionDenied(_t("Seul·e le ou la consultant·e du bilan déplace ses entretiens."))
    entretien.reschedule(by=user, **payload.model_dump())
    entretien.refresh_from_db()
    return entretien_out(entretien)
