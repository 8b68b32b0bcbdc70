"""API v1: travail inter-session, mounted on the main api (see bilan/api/api.py).

Giving work is the assigned consultant's act (403 for others, 409 over the 24 h ceiling or
outside the three phases, 422 for bad input); reading it is for the beneficiary and the
assigned consultant (whose read is audited), never the administration (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _t
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import RuleViolation
from bilan.entretiens.assignments import (
    assign_work,
    complete_assignment,
    get_assignment_for_user,
    mark_late,
    read_assignments,
    reopen_assignment,
)
from bilan.entretiens.models import Assignment, AssignmentKind

router = Router(tags=["assignments"])


class AssignmentIn(InputSchema):
    title: str = Field("", max_length=300, description="Empty: the closing item's text")
    instructions: str = Field("", max_length=10000)
    kind: AssignmentKind
    estimated_minutes: int = Field(ge=0, le=24 * 60)
    due_on: dt.date
    entretien_id: int | None = Field(None, ge=1, le=MAX_INT)
    closing_item: str = Field("", max_length=100, description="A closing item id of its guide")


class AssignmentOut(Schema):
    id: int
    bilan_id: int
    entretien_id: int | None
    closing_item: str
    title: str
    instructions: str
    kind: AssignmentKind
    kind_label: str
    estimated_minutes: int
    due_on: dt.date | None
    late: bool
    done_at: dt.datetime | None
    beneficiary_comment: str
    created_at: dt.datetime


def assignment_out(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "bilan_id": a.bilan_id,
        "entretien_id": a.entretien_id,
        "closing_item": a.closing_item,
        "title": a.title,
        "instructions": a.instructions,
        "kind": a.kind,
        "kind_label": str(a.get_kind_display()),
        "estimated_minutes": a.estimated_minutes,
        "due_on": a.due_on,
        "late": a.late,
        "done_at": a.done_at,
        "beneficiary_comment": a.beneficiary_comment,
        "created_at": a.created_at,
    }


@router.post(
    "/bilans/{bilan_id}/assignments",
    response={201: AssignmentOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_assignment",
    summary="Give travail inter-session (assigned consultant; refused over 24 h)",
)
def create_assignment(
    request: HttpRequest, bilan_id: BilanId, payload: AssignmentIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    entretien = None
    if payload.entretien_id is not None:
        entretien = bilan.entretiens.filter(pk=payload.entretien_id).first()
        if entretien is None:
            raise RuleViolation(
                _t("Cet entretien n'appartient pas à ce bilan (entretien_id)."), code="invalid"
            )
    assignment = assign_work(
        bilan=bilan,
        by=user,
        title=payload.title,
        instructions=payload.instructions,
        kind=payload.kind,
        estimated_minutes=payload.estimated_minutes,
        due_on=payload.due_on,
        entretien=entretien,
        closing_item=payload.closing_item,
    )
    return Status(201, assignment_out(mark_late([assignment])[0]))


@router.get(
    "/bilans/{bilan_id}/assignments",
    response={200: list[AssignmentOut], **errors(401, 403, 404, 422)},
    operation_id="list_assignments",
    summary="The bilan's travail inter-session, by due date (beneficiary, assigned consultant)",
)
def list_assignments(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [assignment_out(a) for a in read_assignments(reader=user, bilan=bilan, channel="api")]


AssignmentId = Annotated[int, Path(ge=1, le=MAX_INT)]


class DoneIn(InputSchema):
    comment: str = Field("", max_length=5000, description="For the consultant (optional).")


@router.post(
    "/assignments/{assignment_id}/done",
    response={200: AssignmentOut, **errors(401, 403, 404, 409, 422)},
    operation_id="complete_assignment",
    summary="The beneficiary marks the work done, with an optional comment (beneficiary only)",
)
def complete_assignment_endpoint(
    request: HttpRequest, assignment_id: AssignmentId, payload: DoneIn
) -> dict[str, Any]:
    user = acting_user(request)
    assignment = get_assignment_for_user(user, assignment_id)
    complete_assignment(assignment=assignment, by=user, comment=payload.comment)
    assignment.refresh_from_db()
    return assignment_out(mark_late([assignment])[0])


@router.post(
    "/assignments/{assignment_id}/reopen",
    response={200: AssignmentOut, **errors(401, 403, 404, 409, 422)},
    operation_id="reopen_assignment",
    summary="The beneficiary takes back work marked done (beneficiary only; the comment is kept)",
)
def reopen_assignment_endpoint(request: HttpRequest, assignment_id: AssignmentId) -> dict[str, Any]:
    user = acting_user(request)
    assignment = get_assignment_for_user(user, assignment_id)
    reopen_assignment(assignment=assignment, by=user)
    assignment.refresh_from_db()
    return assignment_out(mark_late([assignment])[0])
