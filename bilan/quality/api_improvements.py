"""API v1, improvement actions: list_improvements (staff), create_improvement and
update_improvement (admin); the watch log: list_watch_entries, create_watch_entry. The same owner as the pages: bilan/quality/improvements.py."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from ninja import Field, Path, Router, Schema, Status

from bilan.accounts.models import User
from bilan.api.base import acting_user, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.organisations.access import require_membership
from bilan.organisations.models import Organisation, Role
from bilan.quality import complaints, improvements, watch
from bilan.quality.models import (
    LABEL_MAX,
    ImprovementAction,
    ImprovementSource,
    ImprovementStatus,
    SurveyKind,
    WatchEntry,
    WatchKind,
)

router = Router(tags=["quality"])

ImprovementId = Annotated[int, Path(ge=1, le=MAX_INT)]
STAFF = (Role.ADMIN, Role.CONSULTANT)


class ImprovementIn(InputSchema):
    source: ImprovementSource
    title: str = Field(max_length=LABEL_MAX)
    description: str = Field("", max_length=improvements.TEXT_MAX)
    owner_id: int = Field(ge=1, le=MAX_INT)
    due_on: dt.date
    complaint_id: int | None = Field(None, ge=1, le=MAX_INT)
    survey_kind: SurveyKind | None = None
    source_note: str = Field("", max_length=improvements.TEXT_MAX)


class ImprovementPatch(InputSchema):
    status: ImprovementStatus | None = None
    owner_id: int | None = Field(None, ge=1, le=MAX_INT)
    due_on: dt.date | None = None
    effect: str | None = Field(None, max_length=improvements.TEXT_MAX)


class ImprovementOut(Schema):
    id: int
    source: ImprovementSource
    complaint_reference: str | None
    survey_kind: str
    source_note: str
    title: str
    description: str
    owner: str
    owner_id: int
    due_on: dt.date
    status: ImprovementStatus
    late: bool
    effect: str
    effect_measured_on: dt.date | None


def improvement_out(a: ImprovementAction) -> dict[str, Any]:
    return {
        "id": a.pk,
        "source": a.source,
        "complaint_reference": a.complaint.reference if a.complaint else None,
        "survey_kind": a.survey_kind,
        "source_note": a.source_note,
        "title": a.title,
        "description": a.description,
        "owner": a.owner.get_full_name(),
        "owner_id": a.owner_id,
        "due_on": a.due_on,
        "status": a.status,
        "late": a.is_late,
        "effect": a.effect,
        "effect_measured_on": a.effect_measured_on,
    }


def owner_of(organisation: Organisation, pk: int | None) -> User | None:
    return None if pk is None else improvements.owners_of(organisation).filter(pk=pk).first()


@router.get(
    "/quality/improvements",
    response={200: list[ImprovementOut], **errors(401, 403)},
    operation_id="list_improvements",
    summary="The improvement actions register (staff)",
)
def list_improvements(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    require_membership(user, *STAFF)
    return [improvement_out(a) for a in improvements.improvements_for(user)]


@router.post(
    "/quality/improvements",
    response={201: ImprovementOut, **errors(401, 403, 422)},
    operation_id="create_improvement",
    summary="Create an improvement action from a complaint, a survey, an audit or the watch",
)
def create_improvement(request: HttpRequest, body: ImprovementIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    organisation = membership.organisation
    complaint = (
        complaints.complaints_for(user).filter(pk=body.complaint_id).first()
        if body.complaint_id
        else None
    )
    with invalid_input():
        action = improvements.create_improvement(
            organisation=organisation,
            by=user,
            source=body.source,
            title=body.title,
            description=body.description,
            owner=owner_of(organisation, body.owner_id),
            due_on=body.due_on,
            complaint=complaint,
            survey_kind=body.survey_kind or "",
            source_note=body.source_note,
        )
    return Status(201, improvement_out(action))


@router.patch(
    "/quality/improvements/{improvement_id}",
    response={200: ImprovementOut, **errors(401, 403, 404, 422)},
    operation_id="update_improvement",
    summary="Move an improvement action on: status, owner, due date, effect measured (admin)",
)
def update_improvement(
    request: HttpRequest, improvement_id: ImprovementId, body: ImprovementPatch
) -> dict[str, Any]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    action = improvements.get_improvement_for_user(user, improvement_id)
    owner = owner_of(membership.organisation, body.owner_id)
    if body.owner_id is not None and owner is None:
        with invalid_input():
            improvements.check_owner(membership.organisation, None)
    with invalid_input():
        done = improvements.update_improvement(
            action=action,
            by=user,
            status=body.status,
            owner=owner,
            due_on=body.due_on,
            effect=body.effect,
        )
    return improvement_out(done)


# ---- the watch log --------------------------------------------------------------------------


class WatchEntryIn(InputSchema):
    kind: WatchKind
    source: str = Field(max_length=LABEL_MAX)
    summary: str = Field(max_length=watch.TEXT_MAX)
    noted_on: dt.date | None = None
    hours_rule_id: int | None = Field(None, ge=1, le=MAX_INT)
    configuration_change: str = Field("", max_length=watch.TEXT_MAX)


class WatchEntryOut(Schema):
    id: int
    noted_on: dt.date
    kind: WatchKind
    source: str
    summary: str
    hours_rule_id: int | None
    hours_rule: str | None
    configuration_change: str


def watch_out(e: WatchEntry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "noted_on": e.noted_on,
        "kind": e.kind,
        "source": e.source,
        "summary": e.summary,
        "hours_rule_id": e.hours_rule_id,
        "hours_rule": str(e.hours_rule) if e.hours_rule else None,
        "configuration_change": e.configuration_change,
    }


@router.get(
    "/quality/watch",
    response={200: list[WatchEntryOut], **errors(401, 403)},
    operation_id="list_watch_entries",
    summary="The watch log, each entry with the configuration change it caused (staff)",
)
def list_watch_entries(request: HttpRequest) -> list[dict[str, Any]]:
    user = acting_user(request)
    require_membership(user, *STAFF)
    return [watch_out(e) for e in watch.entries_for(user)]


@router.post(
    "/quality/watch",
    response={201: WatchEntryOut, **errors(401, 403, 422)},
    operation_id="create_watch_entry",
    summary="Record a watch entry and the configuration change it caused (admin)",
)
def create_watch_entry(request: HttpRequest, body: WatchEntryIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    organisation = membership.organisation
    rule = None
    if body.hours_rule_id is not None:
        rule = watch.rules_for(organisation).filter(pk=body.hours_rule_id).first()
        if rule is None:
            raise ValidationError(_t("Cette règle d'heures n'est pas celle de l'organisme."))
    with invalid_input():
        entry = watch.record_watch_entry(
            organisation=organisation,
            by=user,
            kind=body.kind,
            source=body.source,
            summary=body.summary,
            noted_on=body.noted_on,
            hours_rule=rule,
            configuration_change=body.configuration_change,
        )
    return Status(201, watch_out(entry))
