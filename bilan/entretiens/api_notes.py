"""API v1: an entretien's notes and marking it held, for its assigned consultant only
(mounted on the main api, see bilan/api/api.py).

Notes are content: every read through the API writes an audit row (channel "api"). A save
names the version it started from; a stale one gets 409 with both texts, nothing overwritten.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema

from bilan.api.base import acting_user, error, errors
from bilan.api.schemas import MAX_INT, ErrorOut, InputSchema
from bilan.compliance.audit import record_content_access
from bilan.entretiens.api import EntretienOut, entretien_out
from bilan.entretiens.models import NoteKind
from bilan.entretiens.notes import (
    CHECKLIST_SECTIONS,
    MAX_NOTE_LENGTH,
    NoteConflict,
    get_entretien_for_consultant,
    notes_by_key,
    save_note,
    set_checklist_item,
)

router = Router(tags=["notes"])

EntretienId = Annotated[int, Path(ge=1, le=MAX_INT)]
NoteKey = Annotated[str, Path(min_length=1, max_length=100)]


class NoteIn(InputSchema):
    text: str = Field(max_length=MAX_NOTE_LENGTH)
    base_version: int = Field(
        ge=0, le=MAX_INT, description="The version the text was written from; 0 for a new note."
    )


class NoteOut(Schema):
    key: str = Field(description='A question id of the guide interview, "free" or "summary".')
    kind: NoteKind
    version: int
    text: str


class TheirsOut(Schema):
    version: int
    text: str
    updated_at: dt.datetime | None


class NoteConflictOut(Schema):
    detail: str
    key: str
    theirs: TheirsOut = Field(description="The stored note, left unchanged.")
    yours: str = Field(description="The text sent, not saved.")


class HeldIn(InputSchema):
    actual_start: dt.datetime = Field(description="ISO 8601 with its offset.")
    actual_end: dt.datetime = Field(description="ISO 8601 with its offset; after the start.")


def note_out(note: Any) -> dict[str, Any]:
    return {"key": note.key, "kind": note.kind, "version": note.version, "text": note.text}


@router.get(
    "/entretiens/{entretien_id}/notes",
    response={200: list[NoteOut], **errors(401, 403, 404, 422)},
    operation_id="list_entretien_notes",
    summary="The entretien's notes (private and shared); each read is audited",
)
def list_entretien_notes(request: HttpRequest, entretien_id: EntretienId) -> list[dict[str, Any]]:
    user = acting_user(request)
    entretien = get_entretien_for_consultant(user, entretien_id)
    notes = list(notes_by_key(entretien).values())
    record_content_access(actor=user, bilan=entretien.bilan, objects=notes, channel="api")
    return [note_out(note) for note in notes]


@router.put(
    "/entretiens/{entretien_id}/notes/{key}",
    response={200: NoteOut, 409: NoteConflictOut | ErrorOut, **errors(401, 403, 404, 422)},
    operation_id="save_entretien_note",
    summary="Save one note field from the version it was written on (409 with both texts)",
    description=(
        "409: a stale `base_version` answers NoteConflictOut (both texts, nothing saved); "
        "an archived bilan or an entretien neither planned nor held answers the plain error shape."
    ),
)
def save_entretien_note(
    request: HttpRequest, entretien_id: EntretienId, key: NoteKey, payload: NoteIn
) -> dict[str, Any] | HttpResponse:
    user = acting_user(request)
    entretien = get_entretien_for_consultant(user, entretien_id)
    try:
        note = save_note(
            entretien=entretien,
            key=key,
            text=payload.text,
            base_version=payload.base_version,
            by=user,
        )
    except NoteConflict as conflict:
        theirs = conflict.note
        if theirs.pk:  # sending their text back is a read of the note
            record_content_access(
                actor=user, bilan=entretien.bilan, objects=[theirs], channel="api"
            )
        return error(
            request,
            409,
            " ".join(conflict.messages),
            key=key,
            theirs={
                "version": theirs.version,
                "text": theirs.text,
                "updated_at": theirs.updated_at,
            },
            yours=conflict.yours,
        )
    return note_out(note)


# The same operation by POST, for clients that cannot send PUT (not repeated in the schema).
router.post(
    "/entretiens/{entretien_id}/notes/{key}",
    response={200: NoteOut, 409: NoteConflictOut | ErrorOut, **errors(401, 403, 404, 422)},
    operation_id="save_entretien_note_post",
    include_in_schema=False,
)(save_entretien_note)


@router.post(
    "/entretiens/{entretien_id}/held",
    response={200: EntretienOut, **errors(401, 403, 404, 409, 422)},
    operation_id="mark_entretien_held",
    summary="Mark the entretien held from its actual start and end; delivered hours follow",
)
def mark_entretien_held(
    request: HttpRequest, entretien_id: EntretienId, payload: HeldIn
) -> dict[str, Any]:
    user = acting_user(request)
    entretien = get_entretien_for_consultant(user, entretien_id)
    entretien.mark_held(by=user, actual_start=payload.actual_start, actual_end=payload.actual_end)
    return entretien_out(entretien)


class ChecklistIn(InputSchema):
    section: Literal[tuple(CHECKLIST_SECTIONS)] = Field(  # type: ignore[valid-type]
        description="objectives: the interview's objectives; closing: its closing items"
    )
    item: str = Field(min_length=1, max_length=100, description="The item's id in the guide")
    done: bool


class ChecklistOut(Schema):
    entretien_id: int
    objectives_done: list[str] = Field(description="Ticked ids, in the guide's order.")
    closing_done: list[str]


@router.put(
    "/entretiens/{entretien_id}/checklist",
    response={200: ChecklistOut, **errors(401, 403, 404, 409, 422)},
    operation_id="set_checklist_item",
    summary="Tick or untick one objective or closing item of the entretien's guide (the "
    "assigned consultant)",
)
def set_checklist_item_endpoint(
    request: HttpRequest, entretien_id: EntretienId, payload: ChecklistIn
) -> dict[str, Any]:
    user = acting_user(request)
    entretien = get_entretien_for_consultant(user, entretien_id)
    checklist = set_checklist_item(entretien=entretien, by=user, **payload.model_dump())
    return {
        "entretien_id": entretien.pk,
        "objectives_done": checklist.objectives_done,
        "closing_done": checklist.closing_done,
    }
