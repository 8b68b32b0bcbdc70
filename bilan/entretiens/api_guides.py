"""API v1: interview guides, read-only, mounted on the main api (see bilan/api/api.py).

Staff read the default guide and every version of their organisation's own; the
organisation's admin copies the default and edits their own (each change a new version),
through bilan.entretiens.guides as the pages do.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.models import Phase
from bilan.entretiens import guides
from bilan.entretiens.guides import get_guide_for_user, visible_guides
from bilan.entretiens.models import InterviewGuide
from bilan.organisations.access import require_membership
from bilan.organisations.models import Role

router = Router(tags=["guides"])

GuideId = Annotated[int, Path(ge=1, le=MAX_INT)]


class GuideItemOut(Schema):
    id: str = Field(description="Stable across versions: notes and checklists refer to it.")
    text: str


class QuestionGroupOut(Schema):
    id: str
    title: str
    questions: list[GuideItemOut]


class InterviewOut(Schema):
    key: str = Field(description="Stable across versions; an entretien names it.")
    phase: Phase
    title: str
    objectives: list[GuideItemOut]
    question_groups: list[QuestionGroupOut]
    closing_items: list[GuideItemOut]


class GuideOut(Schema):
    id: int
    name: str
    version: int
    is_default: bool = Field(description="The product's default guide, shared by all.")
    is_current: bool = Field(description="The version new entretiens follow.")
    based_on_id: int | None
    source: str
    created_at: dt.datetime


class GuideDetailOut(GuideOut):
    interviews: list[InterviewOut]


def guide_out(guide: InterviewGuide) -> dict[str, Any]:
    return {
        "id": guide.pk,
        "name": guide.name,
        "version": guide.version,
        "is_default": guide.organisation_id is None,
        "is_current": guide.is_current,
        "based_on_id": guide.based_on_id,
        "source": guide.source,
        "created_at": guide.created_at,
    }


@router.get(
    "/guides",
    response={200: list[GuideOut], **errors(401, 403)},
    operation_id="list_guides",
    summary="The default guide and every version of the organisation's own (staff only)",
)
def list_guides(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN, Role.CONSULTANT)
    return [guide_out(guide) for guide in visible_guides(membership.organisation)]


@router.get(
    "/guides/{guide_id}",
    response={200: GuideDetailOut, **errors(401, 403, 404, 422)},
    operation_id="get_guide",
    summary="One guide version with all its interviews (staff only)",
)
def get_guide(request: HttpRequest, guide_id: GuideId) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN, Role.CONSULTANT)
    return guide_detail_out(get_guide_for_user(user, guide_id))


# ---- editing: the organisation's admin, each change a new version -------------------------


def guide_detail_out(guide: InterviewGuide) -> dict[str, Any]:
    return {**guide_out(guide), "interviews": guide.interviews()}


@router.post(
    "/guides",
    response={201: GuideDetailOut, **errors(401, 403, 409)},
    operation_id="copy_default_guide",
    summary="Version 1 of the organisation's own guide, a copy of the default one (the "
    "organisation's admin; once)",
)
def copy_default_guide(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, Role.ADMIN)
    guide = guides.copy_default_guide(organisation=membership.organisation, acting_user=user)
    return Status(201, guide_detail_out(guide))


class NewInterviewIn(InputSchema):
    phase: Phase
    title: str = Field(min_length=1, max_length=200)


class GuideEditedOut(GuideDetailOut):
    key: str = Field(description="The interview added or edited.")


@router.post(
    "/guides/{guide_id}/interviews",
    response={201: GuideEditedOut, **errors(401, 403, 404, 409, 422)},
    operation_id="add_guide_interview",
    summary="Add an interview type to the organisation's current guide: a new version (the "
    "organisation's admin)",
)
def add_guide_interview(
    request: HttpRequest, guide_id: GuideId, payload: NewInterviewIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    guide = guides.editable_guide_for(user, guide_id)
    content, key = guides.add_interview(guide.content, phase=payload.phase, title=payload.title)
    new = guides.edit_guide(guide, acting_user=user, content=content)
    return Status(201, {**guide_detail_out(new), "key": key})


class ItemIn(InputSchema):
    id: str = Field("", max_length=100, description="Kept from the guide; empty: a new item.")
    text: str = Field(min_length=1, max_length=2000)


class QuestionGroupIn(InputSchema):
    id: str = Field("", max_length=100, description="Kept from the guide; empty: a new group.")
    title: str = Field(min_length=1, max_length=200)
    questions: list[ItemIn] = Field([], max_length=200)


class InterviewIn(InputSchema):
    title: str = Field(min_length=1, max_length=200)
    objectives: list[ItemIn] = Field([], max_length=200)
    question_groups: list[QuestionGroupIn] = Field([], max_length=100)
    closing_items: list[ItemIn] = Field([], max_length=200)


InterviewKey = Annotated[str, Path(min_length=1, max_length=100)]


@router.put(
    "/guides/{guide_id}/interviews/{key}",
    response={200: GuideEditedOut, **errors(401, 403, 404, 409, 422)},
    operation_id="edit_guide_interview",
    summary="Write one interview of the organisation's current guide whole, in order: items "
    "naming their id are kept (reworded), new ones have none, the rest are removed; a new "
    "version (the organisation's admin)",
)
def edit_guide_interview(
    request: HttpRequest, guide_id: GuideId, key: InterviewKey, payload: InterviewIn
) -> dict[str, Any]:
    user = acting_user(request)
    guide = guides.editable_guide_for(user, guide_id)
    if guide.interview(key) is None:
        raise Http404
    content = guides.replace_interview(guide.content, interview=key, **payload.model_dump())
    new = guides.edit_guide(guide, acting_user=user, content=content)
    return {**guide_detail_out(new), "key": key}
