"""API v1: interview guides, read-only, mounted on the main api (see bilan/api/api.py).

Staff read the default guide and every version of their organisation's own; editing is done
on the web by the organisation's admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from bilan.api.base import acting_user, errors
from bilan.api.schemas import MAX_INT
from bilan.bilans.models import Phase
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
    guide = get_guide_for_user(user, guide_id)
    return {**guide_out(guide), "interviews": guide.interviews()}
