"""API v1: journal de bord and messages, mounted on the main api (see bilan/api/api.py).

The journal is the beneficiary's: they list all their entries and write new ones; the
assigned consultant lists only the shared ones (each read audited); the administration gets
403. The thread is the beneficiary's and the assigned consultant's (reads audited, what is
listed becomes read); attachments are posted from the web pages only. Others get 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Path, Query, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.exchanges.journal import (
    delete_entry,
    edit_entry,
    get_entry_for_user,
    read_entries,
    share_entry,
    write_entry,
)
from bilan.exchanges.messaging import (
    IDEMPOTENCY_KEY_MAX,
    get_assignment_of,
    post_message,
    read_thread,
    require_thread_access,
)
from bilan.exchanges.models import JournalEntry, Message

router = Router(tags=["exchanges"])


class JournalEntryIn(InputSchema):
    entry_date: dt.date | None = Field(None, description="Empty: today")
    title: str = ""
    text: str
    shared: bool = Field(False, description="Shared with the consultant; private by default")


class JournalEntryOut(Schema):
    id: int
    bilan_id: int
    entry_date: dt.date
    title: str
    text: str
    shared: bool
    shared_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


def entry_out(e: JournalEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "bilan_id": e.bilan_id,
        "entry_date": e.entry_date,
        "title": e.title,
        "text": e.text,
        "shared": e.is_shared,
        "shared_at": e.shared_at,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


class MessageIn(InputSchema):
    text: str
    assignment_id: int | None = Field(
        None, ge=1, le=MAX_INT, description="The assignment of this bilan it comments"
    )
    question: str = Field("", description="The question of the assignment it comments")


class AttachmentOut(Schema):
    id: int
    original_name: str
    size: int
    content_type: str


class MessageOut(Schema):
    id: int
    bilan_id: int
    author_id: int
    author_name: str
    text: str
    created_at: dt.datetime
    assignment_id: int | None
    question: str
    unread: bool
    attachments: list[AttachmentOut]


def message_out(m: Message, *, unread: bool = False) -> dict[str, Any]:
    return {
        "id": m.pk,
        "bilan_id": m.bilan_id,
        "author_id": m.author_id,
        "author_name": m.author.get_full_name(),
        "text": m.text,
        "created_at": m.created_at,
        "assignment_id": m.assignment_id,
        "question": m.question,
        "unread": unread,
        "attachments": [
            {
                "id": a.pk,
                "original_name": a.original_name,
                "size": a.size,
                "content_type": a.content_type,
            }
            for a in m.attachments.all()
        ],
    }


@router.get(
    "/bilans/{bilan_id}/journal",
    response={200: list[JournalEntryOut], **errors(401, 403, 404, 422)},
    operation_id="list_journal_entries",
    summary="The journal de bord (all entries for the beneficiary, shared ones for the consultant)",
)
def list_journal_entries(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [entry_out(e) for e in read_entries(reader=user, bilan=bilan, channel="api")]


@router.post(
    "/bilans/{bilan_id}/journal",
    response={201: JournalEntryOut, **errors(401, 403, 404, 422)},
    operation_id="create_journal_entry",
    summary="Write a journal entry (the beneficiary only; private unless shared)",
)
def create_journal_entry(
    request: HttpRequest, bilan_id: BilanId, payload: JournalEntryIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    entry = write_entry(
        bilan=bilan,
        by=user,
        entry_date=payload.entry_date,
        title=payload.title,
        text=payload.text,
        shared=payload.shared,
    )
    return Status(201, entry_out(entry))


@router.get(
    "/bilans/{bilan_id}/messages",
    response={200: list[MessageOut], **errors(401, 403, 404, 422)},
    operation_id="list_messages",
    summary="The bilan's thread, oldest first (beneficiary, assigned consultant); marks it read",
)
def list_messages(
    request: HttpRequest,
    bilan_id: BilanId,
    assignment_id: int | None = Query(None, ge=1, le=MAX_INT),
) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    require_thread_access(user, bilan)
    assignment = get_assignment_of(bilan, assignment_id)
    thread = read_thread(reader=user, bilan=bilan, assignment=assignment, channel="api")
    return [message_out(m, unread=m.unread) for m in thread]


IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[\x20-\x7e]+$",
        description=(
            "Optional, any printable ASCII up to 200 characters (a UUID is fine). A retry "
            "with the same key by the same user within 24 h answers the first message "
            "(201, same id, header Idempotent-Replayed: true) and posts nothing; the same "
            "key for a different message, another thread, or after 24 h: 422."
        ),
    ),
]


@router.post(
    "/bilans/{bilan_id}/messages",
    response={201: MessageOut, **errors(401, 403, 404, 409, 422)},
    operation_id="post_message",
    summary="Post a message on the bilan's thread (beneficiary, assigned consultant)",
)
def post_message_endpoint(
    request: HttpRequest,
    bilan_id: BilanId,
    payload: MessageIn,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    require_thread_access(user, bilan)
    message = post_message(
        bilan=bilan,
        by=user,
        text=payload.text,
        assignment=get_assignment_of(bilan, payload.assignment_id),
        question=payload.question,
        idempotency_key=idempotency_key or "",
    )
    if message.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(201, message_out(message))


EntryId = Annotated[int, Path(ge=1, le=MAX_INT)]


class ShareIn(InputSchema):
    shared: bool = Field(description="true: share with the consultant; false: take it back")


@router.post(
    "/journal/{entry_id}/share",
    response={200: JournalEntryOut, **errors(401, 403, 404, 409, 422)},
    operation_id="share_journal_entry",
    summary="Share a journal entry with the consultant on purpose, or take it back (its "
    "writer only: 404 for anyone else)",
)
def share_journal_entry(
    request: HttpRequest, entry_id: EntryId, payload: ShareIn
) -> dict[str, Any]:
    user = acting_user(request)
    entry = share_entry(entry=get_entry_for_user(user, entry_id), by=user, shared=payload.shared)
    return entry_out(entry)


@router.delete(
    "/journal/{entry_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    operation_id="delete_journal_entry",
    summary="Delete a journal entry (its writer only: 404 for anyone else)",
)
def delete_journal_entry(request: HttpRequest, entry_id: EntryId) -> tuple[int, None]:
    user = acting_user(request)
    delete_entry(entry=get_entry_for_user(user, entry_id), by=user)
    return Status(204, None)


class JournalEntryEdit(InputSchema):
    entry_date: dt.date | None = Field(None, description="Empty: today")
    title: str = ""
    text: str


@router.put(
    "/journal/{entry_id}",
    response={200: JournalEntryOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_journal_entry",
    summary="Rewrite a journal entry: its date, title and text; sharing is unchanged (its "
    "writer only: 404 for anyone else)",
)
def update_journal_entry(
    request: HttpRequest, entry_id: EntryId, payload: JournalEntryEdit
) -> dict[str, Any]:
    user = acting_user(request)
    entry = edit_entry(entry=get_entry_for_user(user, entry_id), by=user, **payload.model_dump())
    return entry_out(entry)
