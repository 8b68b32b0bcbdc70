"""API v1: pistes professionnelles and enquêtes métier, mounted on the main api (see
bilan/api/api.py).

The beneficiary and the assigned consultant read and write (the consultant's reads audited);
the administration gets a 403 (content, REQ-54); a colleague, another organisation or another
beneficiary a 404, as does an unknown ROME code. Out of the bilan's phases, or a métier that
already has a piste: 409. Bad input: 422 with a French message. Rules live in
bilan/careers/pistes.py and enquetes.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.careers import enquetes, pistes
from bilan.careers.models import (
    TEXT_MAX,
    CareerOption,
    CareerOptionKind,
    CareerOptionOrigin,
    CareerOptionStatus,
    EnqueteConclusion,
    EnqueteFormat,
    EnqueteMetier,
    EnqueteStatus,
)

router = Router(tags=["pistes"])

ObjectId = Annotated[int, Path(ge=1, le=MAX_INT)]
SHORT = pistes.SHORT_MAX


class PisteTexts(InputSchema):
    attraction: str | None = Field(None, max_length=TEXT_MAX)
    fit_competences: str | None = Field(None, max_length=TEXT_MAX)
    fit_interests: str | None = Field(None, max_length=TEXT_MAX)
    fit_values: str | None = Field(None, max_length=TEXT_MAX)
    fit_constraints: str | None = Field(None, max_length=TEXT_MAX)
    advantages: str | None = Field(None, max_length=TEXT_MAX)
    drawbacks: str | None = Field(None, max_length=TEXT_MAX)
    training_needed: str | None = Field(None, max_length=TEXT_MAX)
    duration: str | None = Field(None, max_length=SHORT)
    cost: str | None = Field(None, max_length=SHORT)
    funding: str | None = Field(None, max_length=TEXT_MAX)
    market_notes: str | None = Field(None, max_length=TEXT_MAX)

    def texts(self) -> dict[str, str]:
        return {
            k: v
            for k, v in self.model_dump(include=set(pistes.TEXT_FIELDS)).items()
            if v is not None
        }


class PisteIn(PisteTexts):
    """One source: `match_run_id` + `code_rome` (a rapprochement), `saved_fiche_id` (a fiche
    of the research), `code_rome` (a fiche métier), or `kind` + `title` (outside ROME). The
    texts given are written over the prefill."""

    code_rome: str | None = Field(None, max_length=20)
    saved_fiche_id: int | None = Field(None, ge=1, le=MAX_INT)
    match_run_id: int | None = Field(None, ge=1, le=MAX_INT)
    kind: CareerOptionKind | None = None
    title: str | None = Field(None, max_length=pistes.TITLE_MAX)


class StatusIn(InputSchema):
    to: CareerOptionStatus
    reason: str = Field(max_length=TEXT_MAX, description="Required: kept in the history")


class PisteUpdate(PisteTexts):
    title: str | None = Field(None, max_length=pistes.TITLE_MAX)
    kind: CareerOptionKind | None = None
    status: StatusIn | None = None


class PisteStatusChangeOut(Schema):
    from_status: str
    to_status: CareerOptionStatus
    reason: str
    changed_at: dt.datetime
    changed_by: str
    enquete_id: int | None


class PisteOut(Schema):
    id: int
    bilan_id: int
    kind: CareerOptionKind
    kind_label: str
    origin: CareerOptionOrigin
    title: str
    status: CareerOptionStatus
    status_label: str
    code_rome: str
    metier_label: str
    rome_version: str
    attraction: str
    fit_competences: str
    fit_interests: str
    fit_values: str
    fit_constraints: str
    advantages: str
    drawbacks: str
    training_needed: str
    duration: str
    cost: str
    funding: str
    market_notes: str
    history: list[PisteStatusChangeOut]
    enquete_ids: list[int]
    created_at: dt.datetime
    updated_at: dt.datetime


class QuestionIn(InputSchema):
    id: str | None = Field(None, max_length=60, description="A kept question; none: a new one")
    text: str = Field(max_length=enquetes.QUESTION_MAX)


class QuestionOut(Schema):
    id: str
    text: str


class EnqueteIn(InputSchema):
    contact_name: str = Field(max_length=enquetes.NAME_MAX, description="A name or a description")
    contact_role: str = Field("", max_length=200)
    contact_organisation: str = Field("", max_length=200)
    found_through: str = Field("", max_length=300)
    contact_channel: str = Field("", max_length=200)
    planned_on: dt.date | None = None
    assignment_id: int | None = Field(None, ge=1, le=MAX_INT)


class RecordIn(InputSchema):
    held_on: dt.date
    format: EnqueteFormat | None = None
    duration_minutes: int | None = Field(None, ge=1, le=enquetes.MAX_MINUTES)
    answers: dict[str, str] = Field({}, description="By question id")
    findings: str = Field("", max_length=TEXT_MAX)
    confirmed: str = Field("", max_length=TEXT_MAX)
    contradicted: str = Field("", max_length=TEXT_MAX)
    conclusion: EnqueteConclusion | None = None
    piste_status: CareerOptionStatus | None = Field(
        None, description="Change the piste's status too, linked to this enquête"
    )
    status_reason: str = Field("", max_length=TEXT_MAX, description="Empty: from the enquête")


class DebriefIn(InputSchema):
    entretien_id: int | None = Field(None, ge=1, le=MAX_INT)
    note: str = Field("", max_length=TEXT_MAX)


class EnqueteUpdate(InputSchema):
    """Each part given is applied, in this order: plan, questions, record, debrief, cancel."""

    plan: EnqueteIn | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=enquetes.MAX_QUESTIONS)
    record: RecordIn | None = None
    debrief: DebriefIn | None = None
    cancel: bool = False


class EnqueteOut(Schema):
    id: int
    piste_id: int
    contact_name: str
    contact_role: str
    contact_organisation: str
    found_through: str
    contact_channel: str
    status: EnqueteStatus
    planned_on: dt.date | None
    held_on: dt.date | None
    format: str
    duration_minutes: int | None
    questions: list[QuestionOut]
    answers: dict[str, str]
    findings: str
    confirmed: str
    contradicted: str
    conclusion: str
    debrief_entretien_id: int | None
    debrief_note: str
    assignment_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


def piste_out(o: CareerOption) -> dict[str, Any]:
    return {
        "id": o.pk,
        "bilan_id": o.bilan_id,
        "kind": o.kind,
        "kind_label": str(o.get_kind_display()),
        "origin": o.origin,
        "title": o.title,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "code_rome": o.code_rome,
        "metier_label": o.metier_label,
        "rome_version": o.rome_version,
        **{name: getattr(o, name) for name in pistes.TEXT_FIELDS},
        "history": [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "reason": c.reason,
                "changed_at": c.changed_at,
                "changed_by": c.changed_by.get_full_name() if c.changed_by else "",
                "enquete_id": c.enquete_id,
            }
            for c in o.status_changes.all()
        ],
        "enquete_ids": [e.pk for e in o.enquetes.all()],
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def enquete_out(e: EnqueteMetier) -> dict[str, Any]:
    return {
        "id": e.pk,
        "piste_id": e.career_option_id,
        **{
            name: getattr(e, name)
            for name in (
                "contact_name",
                "contact_role",
                "contact_organisation",
                "found_through",
                "contact_channel",
                "status",
                "planned_on",
                "held_on",
                "format",
                "duration_minutes",
                "questions",
                "answers",
                "findings",
                "confirmed",
                "contradicted",
                "conclusion",
                "debrief_entretien_id",
                "debrief_note",
                "assignment_id",
                "created_at",
                "updated_at",
            )
        },
    }


def _fresh(option: CareerOption) -> CareerOption:
    return pistes.get_piste(option.bilan, option.pk)


@router.get(
    "/bilans/{bilan_id}/pistes",
    response={200: list[PisteOut], **errors(401, 403, 404, 422)},
    operation_id="list_pistes",
    summary="The bilan's pistes professionnelles with their status history (audited for staff)",
)
def list_pistes(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [piste_out(o) for o in pistes.read_pistes(reader=user, bilan=bilan, channel="api")]


@router.post(
    "/bilans/{bilan_id}/pistes",
    response={201: PisteOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_piste",
    summary="Add a piste from a fiche, a saved fiche, a rapprochement, or outside ROME",
)
def create_piste(
    request: HttpRequest, bilan_id: BilanId, payload: PisteIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    with transaction.atomic():
        if payload.match_run_id:
            option = pistes.create_from_match(
                bilan=bilan,
                by=user,
                match_run_id=payload.match_run_id,
                code_rome=payload.code_rome or "",
            )
        elif payload.saved_fiche_id:
            option = pistes.create_from_saved_fiche(
                bilan=bilan, by=user, saved_fiche_id=payload.saved_fiche_id
            )
        elif payload.code_rome:
            option = pistes.create_from_metier(bilan=bilan, by=user, code_rome=payload.code_rome)
        else:
            option = pistes.create_free(
                bilan=bilan,
                by=user,
                kind=payload.kind or "",
                title=payload.title or "",
                **payload.texts(),
            )
            return Status(201, piste_out(_fresh(option)))
        texts = payload.texts()
        if texts or payload.title:
            pistes.update_piste(option=option, by=user, title=payload.title, **texts)
    return Status(201, piste_out(_fresh(option)))


@router.patch(
    "/bilans/{bilan_id}/pistes/{piste_id}",
    response={200: PisteOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_piste",
    summary="Rewrite a piste's texts and/or change its status (with the reason)",
)
def update_piste(
    request: HttpRequest, bilan_id: BilanId, piste_id: ObjectId, payload: PisteUpdate
) -> dict[str, Any]:
    user = acting_user(request)
    option = pistes.get_piste(get_bilan_for_user(user, bilan_id), piste_id)
    with transaction.atomic():
        texts = payload.texts()
        if texts or payload.title is not None or payload.kind is not None:
            pistes.update_piste(
                option=option, by=user, title=payload.title, kind=payload.kind, **texts
            )
        if payload.status is not None:
            pistes.change_status(
                option=option, by=user, to_status=payload.status.to, reason=payload.status.reason
            )
        if not (texts or payload.title or payload.kind or payload.status):
            pistes.read_piste(reader=user, option=option, channel="api")
    return piste_out(_fresh(option))


@router.get(
    "/bilans/{bilan_id}/enquetes",
    response={200: list[EnqueteOut], **errors(401, 403, 404, 422)},
    operation_id="list_enquetes",
    summary="Every enquête métier of the bilan, by piste (audited for staff)",
)
def list_enquetes(
    request: HttpRequest, bilan_id: BilanId, piste_id: int | None = None
) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    items = enquetes.read_enquetes(reader=user, bilan=bilan, channel="api")
    return [enquete_out(e) for e in items if piste_id is None or e.career_option_id == piste_id]


@router.post(
    "/bilans/{bilan_id}/pistes/{piste_id}/enquetes",
    response={201: EnqueteOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_enquete",
    summary="Plan an enquête métier for a piste, with a copy of the default question grid",
)
def create_enquete(
    request: HttpRequest, bilan_id: BilanId, piste_id: ObjectId, payload: EnqueteIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    option = pistes.get_piste(get_bilan_for_user(user, bilan_id), piste_id)
    enquete = enquetes.plan_enquete(option=option, by=user, **payload.model_dump())
    return Status(201, enquete_out(enquete))


@router.patch(
    "/bilans/{bilan_id}/enquetes/{enquete_id}",
    response={200: EnqueteOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_enquete",
    summary="Edit the plan or the grid, record the meeting and conclusion, debrief, cancel",
)
def update_enquete(
    request: HttpRequest, bilan_id: BilanId, enquete_id: ObjectId, payload: EnqueteUpdate
) -> dict[str, Any]:
    user = acting_user(request)
    enquete = enquetes.get_enquete(get_bilan_for_user(user, bilan_id), enquete_id)
    with transaction.atomic():
        if payload.plan is not None:
            enquetes.update_plan(enquete=enquete, by=user, **payload.plan.model_dump())
        if payload.questions is not None:
            enquetes.update_grid(
                enquete=enquete,
                by=user,
                questions=[q.model_dump() for q in payload.questions],
            )
        if payload.record is not None:
            record = payload.record.model_dump()
            for name in ("format", "conclusion", "piste_status"):
                record[name] = record[name] or ""
            enquetes.record_enquete(enquete=enquete, by=user, **record)
        if payload.debrief is not None:
            enquetes.record_debrief(
                enquete=enquete,
                by=user,
                entretien_id=payload.debrief.entretien_id,
                note=payload.debrief.note,
            )
        if payload.cancel:
            enquetes.cancel_enquete(enquete=enquete, by=user)
        if (
            not (payload.plan or payload.questions is not None or payload.record or payload.debrief)
            and not payload.cancel
        ):
            enquetes.read_enquete(reader=user, enquete=enquete, channel="api")
    enquete.refresh_from_db()
    return enquete_out(enquete)


class ValidationIn(InputSchema):
    principal_id: int = Field(ge=1, le=MAX_INT)
    alternative_ids: list[int] = Field([], max_length=pistes.MAX_PISTES)
    statement: str = Field("", max_length=TEXT_MAX, description="« En mes mots »")
    confirmed: bool = Field(description="The beneficiary's explicit confirmation")


class ValidationOut(Schema):
    id: int
    principal_id: int
    alternative_ids: list[int]
    statement: str
    validated_at: dt.datetime
    validated_by: str


@router.post(
    "/bilans/{bilan_id}/project-validations",
    response={201: ValidationOut, **errors(401, 403, 404, 409, 422)},
    operation_id="validate_project",
    summary="The beneficiary validates the projet principal and alternatives (never staff)",
)
def validate_project(
    request: HttpRequest, bilan_id: BilanId, payload: ValidationIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    v = pistes.validate_project(
        bilan=bilan,
        by=user,
        principal_id=payload.principal_id,
        alternative_ids=payload.alternative_ids,
        statement=payload.statement,
        confirmed=payload.confirmed,
    )
    return Status(
        201,
        {
            "id": v.pk,
            "principal_id": v.principal_id,
            "alternative_ids": [a.pk for a in v.alternatives.all()],
            "statement": v.statement,
            "validated_at": v.validated_at,
            "validated_by": user.get_full_name(),
        },
    )
