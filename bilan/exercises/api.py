"""API v1: reflection exercises, mounted on the main api (see bilan/api/api.py).

« Mon parcours » is written by the beneficiary only (403 for anyone else, 409 when the bilan
is not in its phases, 422 for bad input); it is read by the beneficiary and the assigned
consultant (whose read is audited), never the administration (403). Dates have month
precision ("YYYY-MM").
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.accounts.models import User
from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.exercises import parcours
from bilan.exercises.models import (
    LABEL_MAX,
    PLACE_MAX,
    ROME_CODE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Experience,
    ExperienceCompetence,
    ExperienceKind,
    MotivationsExercise,
)
from bilan.exercises.parcours import (
    MAX_ACHIEVEMENTS,
    MAX_COMPETENCES,
    AchievementData,
    CompetenceData,
    add_experience,
    get_experience_for_user,
    read_experiences,
    read_portfolio,
)

router = Router(tags=["exercises"])

# Years from 1000: "0000-01" is no date at all (it was a 500); the model bounds the rest.
MONTH = r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"


class AchievementSchema(InputSchema):
    situation: str = Field("", max_length=TEXT_MAX)
    action: str = Field("", max_length=TEXT_MAX)
    result: str = Field("", max_length=TEXT_MAX)


class CompetenceIn(InputSchema):
    label: str = Field(max_length=LABEL_MAX)
    rome_code: str = Field("", max_length=ROME_CODE_MAX, description="Empty until linked")


class ExperienceIn(InputSchema):
    kind: ExperienceKind
    title: str = Field(max_length=TITLE_MAX)
    place: str = Field("", max_length=PLACE_MAX)
    start: str = Field(pattern=MONTH, description="First month, YYYY-MM")
    end: str | None = Field(None, pattern=MONTH, description="Last month, YYYY-MM; null: ongoing")
    missions: str = Field("", max_length=TEXT_MAX)
    liked: str = Field("", max_length=TEXT_MAX)
    liked_less: str = Field("", max_length=TEXT_MAX)
    achievements: list[AchievementSchema] = Field([], max_length=MAX_ACHIEVEMENTS)
    competences: list[CompetenceIn] = Field([], max_length=MAX_COMPETENCES)


class CompetenceOut(Schema):
    id: int
    label: str
    rome_code: str
    linked_at: dt.datetime | None


class ExperienceOut(Schema):
    id: int
    bilan_id: int
    kind: ExperienceKind
    kind_label: str
    title: str
    place: str
    start: str
    end: str | None
    ongoing: bool
    missions: str
    liked: str
    liked_less: str
    achievements: list[AchievementSchema]
    competences: list[CompetenceOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class PortfolioExperienceOut(Schema):
    id: int
    title: str


class PortfolioEntryOut(Schema):
    label: str
    rome_code: str
    spellings: list[str]
    experiences: list[PortfolioExperienceOut]


def month(value: str | None) -> dt.date | None:
    if not value:
        return None
    year, mon = value.split("-")
    return dt.date(int(year), int(mon), 1)


def experience_out(e: Experience) -> dict[str, Any]:
    return {
        "id": e.pk,
        "bilan_id": e.bilan_id,
        "kind": e.kind,
        "kind_label": str(e.get_kind_display()),
        "title": e.title,
        "place": e.place,
        "start": f"{e.start_on:%Y-%m}",
        "end": f"{e.end_on:%Y-%m}" if e.end_on else None,
        "ongoing": e.ongoing,
        "missions": e.missions,
        "liked": e.liked,
        "liked_less": e.liked_less,
        "achievements": [
            {"situation": a.situation, "action": a.action, "result": a.result}
            for a in e.achievements.all()
        ],
        "competences": [
            {"id": c.pk, "label": c.label, "rome_code": c.rome_code, "linked_at": c.linked_at}
            for c in e.competences.all()
        ],
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


def path_of(suffix: str) -> str:
    return "/bilans/{bilan_id}/" + suffix


@router.post(
    path_of("experiences"),
    response={201: ExperienceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_experience",
    summary="Add an experience to « Mon parcours », with its competences (beneficiary only)",
)
def create_experience(
    request: HttpRequest, bilan_id: BilanId, payload: ExperienceIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    experience = add_experience(
        bilan=bilan,
        by=user,
        kind=payload.kind,
        title=payload.title,
        place=payload.place,
        start_on=month(payload.start),
        end_on=month(payload.end),
        missions=payload.missions,
        liked=payload.liked,
        liked_less=payload.liked_less,
        achievements=[AchievementData(**a.model_dump()) for a in payload.achievements],
        competences=[CompetenceData(**c.model_dump()) for c in payload.competences],
    )
    experience = Experience.objects.prefetch_related("achievements", "competences").get(
        pk=experience.pk
    )
    return Status(201, experience_out(experience))


@router.get(
    path_of("experiences"),
    response={200: list[ExperienceOut], **errors(401, 403, 404, 422)},
    operation_id="list_experiences",
    summary="« Mon parcours » in date order (beneficiary; assigned consultant, audited)",
)
def list_experiences(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [experience_out(e) for e in read_experiences(reader=user, bilan=bilan, channel="api")]


@router.get(
    path_of("portfolio"),
    response={200: list[PortfolioEntryOut], **errors(401, 403, 404, 422)},
    operation_id="get_portfolio",
    summary="The portefeuille de compétences: competences grouped accent- and case-insensitively",
)
def get_portfolio(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [
        {
            "label": g.label,
            "rome_code": g.rome_code,
            "spellings": g.spellings,
            "experiences": [{"id": e.pk, "title": e.title} for e in g.experiences],
        }
        for g in read_portfolio(reader=user, bilan=bilan, channel="api")
    ]


# ---- editing « Mon parcours » and linking competences to the ROME ---------------------------

ExperienceId = Annotated[int, Path(ge=1, le=MAX_INT)]
CompetenceId = Annotated[int, Path(ge=1, le=MAX_INT)]


def _experience(pk: int) -> dict[str, Any]:
    return experience_out(
        Experience.objects.prefetch_related("achievements", "competences").get(pk=pk)
    )


@router.put(
    "/experiences/{experience_id}",
    response={200: ExperienceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_experience",
    summary="Rewrite an experience of « Mon parcours »; competences kept keep their ROME link "
    "(beneficiary only)",
)
def update_experience(
    request: HttpRequest, experience_id: ExperienceId, payload: ExperienceIn
) -> dict[str, Any]:
    user = acting_user(request)
    experience = get_experience_for_user(user, experience_id)
    parcours.update_experience(
        experience=experience,
        by=user,
        kind=payload.kind,
        title=payload.title,
        place=payload.place,
        start_on=month(payload.start),
        end_on=month(payload.end),
        missions=payload.missions,
        liked=payload.liked,
        liked_less=payload.liked_less,
        achievements=[AchievementData(**a.model_dump()) for a in payload.achievements],
        competences=[CompetenceData(**c.model_dump()) for c in payload.competences],
    )
    return _experience(experience.pk)


@router.delete(
    "/experiences/{experience_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    operation_id="delete_experience",
    summary="Delete an experience of « Mon parcours » (beneficiary only)",
)
def delete_experience(request: HttpRequest, experience_id: ExperienceId) -> tuple[int, None]:
    user = acting_user(request)
    parcours.delete_experience(experience=get_experience_for_user(user, experience_id), by=user)
    return Status(204, None)


class RomeLinkIn(InputSchema):
    code_ogr: int = Field(ge=1, le=MAX_INT, description="A ROME compétence or savoir (OGR code)")


def competence_out(c: ExperienceCompetence) -> dict[str, Any]:
    return {"id": c.pk, "label": c.label, "rome_code": c.rome_code, "linked_at": c.linked_at}


@router.put(
    "/competences/{competence_id}/rome",
    response={200: CompetenceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="link_competence_to_rome",
    summary="Link a competence of the portefeuille to a ROME compétence or savoir (its "
    "beneficiary only: 404 for anyone else)",
)
def link_competence_to_rome(
    request: HttpRequest, competence_id: CompetenceId, payload: RomeLinkIn
) -> dict[str, Any]:
    user = acting_user(request)
    competence = parcours.get_competence_for_user(user, competence_id)
    return competence_out(
        parcours.link_competence(competence=competence, by=user, code_ogr=payload.code_ogr)
    )


@router.delete(
    "/competences/{competence_id}/rome",
    response={200: CompetenceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="unlink_competence_from_rome",
    summary="Remove a competence's ROME link (its beneficiary only: 404 for anyone else)",
)
def unlink_competence_from_rome(
    request: HttpRequest, competence_id: CompetenceId
) -> dict[str, Any]:
    user = acting_user(request)
    competence = parcours.get_competence_for_user(user, competence_id)
    return competence_out(parcours.unlink_competence(competence=competence, by=user))


# ---- « Motivations et contraintes » ----------------------------------------------------------


class MotivationsIn(InputSchema):
    motivates: str = Field("", max_length=TEXT_MAX)
    exhausts: str = Field("", max_length=TEXT_MAX)
    criteria: str = Field("", max_length=TEXT_MAX)
    constraints: str = Field("", max_length=TEXT_MAX)
    compromises: str = Field("", max_length=TEXT_MAX)


class MotivationAnswerOut(Schema):
    name: str
    title: str
    question: str
    text: str


class MotivationsOut(Schema):
    bilan_id: int
    saved_at: dt.datetime | None
    may_edit: bool
    answers: list[MotivationAnswerOut]


def motivations_out(
    bilan: Bilan, exercise: MotivationsExercise | None, user: User
) -> dict[str, Any]:
    return {
        "bilan_id": bilan.pk,
        "saved_at": exercise.saved_at if exercise else None,
        "may_edit": parcours.may_edit(bilan, user),
        "answers": [
            {**a, "title": str(a["title"]), "question": str(a["question"])}
            for a in parcours.motivation_answers(exercise)
        ],
    }


@router.get(
    path_of("motivations"),
    response={200: MotivationsOut, **errors(401, 403, 404, 422)},
    operation_id="get_motivations",
    summary="« Motivations et contraintes »: each question with its answer (beneficiary; "
    "assigned consultant, audited)",
)
def get_motivations(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    exercise = parcours.read_motivations(reader=user, bilan=bilan, channel="api")
    return motivations_out(bilan, exercise, user)


@router.put(
    path_of("motivations"),
    response={200: MotivationsOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_motivations",
    summary="Save the answers to « Motivations et contraintes », all at once (beneficiary "
    "only, in the bilan's phases)",
)
def save_motivations(
    request: HttpRequest, bilan_id: BilanId, payload: MotivationsIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    exercise = parcours.save_motivations(bilan=bilan, by=user, **payload.model_dump())
    return motivations_out(bilan, exercise, user)
