"""API v1, quality: the satisfaction surveys (results, questions, the yearly funders/employers
survey, the answer through its one-time link) and the referential's confirmation.

Results and the referential are read by the staff; acts are the admin's (403 otherwise); a
beneficiary gets 403. `submit_survey_answer` needs no token: the signed link's token is the
key (410 once used or expired, 404 when it is not a link, 422 for missing answers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import acting_user, error, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.organisations.access import require_membership
from bilan.organisations.models import Role
from bilan.quality import indicators, pack, referential, surveys
from bilan.quality.models import (
    LABEL_MAX,
    AuditPack,
    QuestionType,
    ReferentialVersion,
    SurveyKind,
)

router = Router(tags=["quality"])

VersionId = Annotated[int, Path(ge=1, le=MAX_INT)]
STAFF = (Role.ADMIN, Role.CONSULTANT)


class SurveyBarOut(Schema):
    value: str
    count: int
    percent: int


class SurveyQuestionResultOut(Schema):
    key: str
    label: str
    type: str
    n: int
    distribution: list[SurveyBarOut]
    average: float | None
    free_texts: int


class SurveyQuarterOut(Schema):
    quarter: str
    n: int
    satisfied_percent: int | None


class SurveyOut(Schema):
    kind: SurveyKind
    kind_label: str
    question_set_version: int
    questions: list[dict[str, str]]
    n: int
    enough: bool = Field(description="false under the minimum: « en cours de constitution »")
    invited: int
    answered: int
    response_rate: int | None
    results: list[SurveyQuestionResultOut]
    quarters: list[SurveyQuarterOut]


class SurveyQuestionIn(InputSchema):
    kind: SurveyKind
    label: str = Field(max_length=LABEL_MAX)
    type: QuestionType


class StakeholdersIn(InputSchema):
    emails: list[str] = Field(min_length=1, max_length=surveys.MAX_RECIPIENTS)


class StakeholdersInvitedOut(Schema):
    created: int


class SurveyAnswerIn(InputSchema):
    token: str = Field(max_length=500)
    answers: dict[str, int | str] = Field(
        description="question key → 1..5 (scale), « yes »/« no », or free text"
    )


class SurveyAnswerOut(Schema):
    kind: SurveyKind
    quarter: str


class ReferentialVersionOut(Schema):
    id: int
    code: str
    label: str
    valid_from: dt.date
    source: str
    to_verify: bool
    confirmed_at: dt.datetime | None


def survey_out(organisation: Any, kind: str) -> dict[str, Any]:
    r = surveys.results(organisation, kind)
    question_set = surveys.current_question_set(organisation, kind)
    return {
        "kind": kind,
        "kind_label": r.kind_label,
        "question_set_version": question_set.version,
        "questions": question_set.questions,
        "n": r.n,
        "enough": r.enough,
        "invited": r.invited,
        "answered": r.answered,
        "response_rate": r.response_rate,
        "results": [
            {
                "key": q.key,
                "label": q.label,
                "type": q.type,
                "n": q.n,
                "distribution": [{"value": v, "count": c, "percent": p} for v, c, p in q.counts],
                "average": q.average,
                "free_texts": q.texts,
            }
            for q in r.questions
        ],
        "quarters": [
            {"quarter": x.quarter, "n": x.n, "satisfied_percent": x.satisfied_percent}
            for x in r.quarters
        ],
    }


def version_out(v: ReferentialVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "code": v.code,
        "label": v.label,
        "valid_from": v.valid_from,
        "source": v.source,
        "to_verify": v.to_verify,
        "confirmed_at": v.confirmed_at,
    }


@router.get(
    "/quality/surveys",
    response={200: list[SurveyOut], **errors(401, 403)},
    operation_id="list_surveys",
    summary="Each survey's questions and results: distribution per question, trend per quarter, n",
)
def list_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    membership = require_membership(acting_user(request), *STAFF)
    return [survey_out(membership.organisation, kind) for kind in SurveyKind.values]


@router.post(
    "/quality/surveys/questions",
    response={201: SurveyOut, **errors(401, 403, 422)},
    operation_id="add_survey_question",
    summary="Add a question to a survey (a new version of its questions; admin)",
)
def add_survey_question(request: HttpRequest, body: SurveyQuestionIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    with invalid_input():
        surveys.add_question(
            organisation=membership.organisation,
            kind=body.kind,
            label=body.label,
            type=body.type,
            by=user,
        )
    return Status(201, survey_out(membership.organisation, body.kind))


@router.post(
    "/quality/surveys/stakeholders",
    response={201: StakeholdersInvitedOut, **errors(401, 403, 422)},
    operation_id="invite_stakeholders",
    summary="Send this year's funders/employers survey to the addresses given (admin)",
)
def invite_stakeholders(request: HttpRequest, body: StakeholdersIn) -> Status[dict[str, int]]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    with invalid_input():
        created = surveys.invite_stakeholders(
            organisation=membership.organisation, emails_text="\n".join(body.emails), by=user
        )
    return Status(201, {"created": len(created)})


@router.post(
    "/quality/surveys/answers",
    auth=None,
    response={201: SurveyAnswerOut, **errors(401, 403, 404, 410, 422)},
    operation_id="submit_survey_answer",
    summary="Answer a survey with the token of its e-mailed link (no API token; once)",
)
def submit_survey_answer(
    request: HttpRequest, body: SurveyAnswerIn
) -> Status[dict[str, str]] | HttpResponse:
    try:
        with invalid_input():
            answer = surveys.submit_answer(
                token=body.token, answers={k: v for k, v in body.answers.items()}
            )
    except surveys.LinkRefused as refused:
        return error(request, 410 if refused.gone else 404, refused.message)
    return Status(201, {"kind": answer.kind, "quarter": answer.quarter})


@router.get(
    "/quality/referential",
    response={200: list[ReferentialVersionOut], **errors(401, 403)},
    operation_id="list_referential_versions",
    summary="The versions of the quality referential, with their date and « à vérifier » flag",
)
def list_referential_versions(request: HttpRequest) -> list[dict[str, Any]]:
    require_membership(acting_user(request), *STAFF)
    return [version_out(v) for v in ReferentialVersion.objects.all()]


@router.post(
    "/quality/referential/{version_id}/confirm",
    response={200: ReferentialVersionOut, **errors(401, 403, 404, 409)},
    operation_id="confirm_referential_version",
    summary="Confirm the text of a referential version « à vérifier » (admin)",
)
def confirm_referential_version(request: HttpRequest, version_id: VersionId) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, *STAFF)
    version = get_object_or_404(ReferentialVersion, pk=version_id)
    return version_out(referential.confirm_version(version=version, by=user))


class FigureOut(Schema):
    key: str
    label: str
    n: int
    value: float | None
    unit: str
    status: str = Field(description="ok, building (« en cours », n under the minimum), no_data")
    display: str
    breakdown: list[dict[str, Any]]


class IndicatorsOut(Schema):
    start: dt.date
    end: dt.date
    label: str
    minimum_n: int
    figures: list[FigureOut]


@router.get(
    "/quality/indicators",
    response={200: IndicatorsOut, **errors(401, 403, 422)},
    operation_id="get_indicators",
    summary="The results indicators of a period, computed from data, each with its n",
)
def get_indicators(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
) -> dict[str, Any]:
    membership = require_membership(acting_user(request), *STAFF)
    with invalid_input():
        chosen = indicators.period(start, end)
    return {
        "start": chosen.start,
        "end": chosen.end,
        "label": chosen.label,
        "minimum_n": indicators.MIN_N,
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "n": f.n,
                "value": f.value,
                "unit": f.unit,
                "status": f.status,
                "display": f.display,
                "breakdown": [{"label": label, "count": count} for label, count in f.breakdown],
            }
            for f in indicators.compute(membership.organisation, chosen)
        ],
    }


class AuditPackIn(InputSchema):
    start: dt.date | None = Field(None, description="The twelve months to `end` by default")
    end: dt.date | None = Field(None, description="Today by default")
    size: int = Field(20, ge=1, le=pack.MAX_SAMPLE, description="Random sample size")
    seed: int | None = Field(None, ge=0, le=2**62, description="Redraw the same sample")
    bilan_ids: list[Annotated[int, Field(ge=1, le=MAX_INT)]] = Field(
        default_factory=list, max_length=pack.MAX_SAMPLE, description="A chosen sample instead"
    )


class AuditPackOut(Schema):
    id: int
    start: dt.date
    end: dt.date
    referential: str
    sample_size: int
    seed: int | None
    chosen: bool
    status: str
    progress: int
    files: int
    size: int
    error: str
    duration_seconds: float | None


def pack_out(p: AuditPack) -> dict[str, Any]:
    return {
        "id": p.pk,
        "start": p.start,
        "end": p.end,
        "referential": p.version.code,
        "sample_size": p.sample_size,
        "seed": p.seed,
        "chosen": p.chosen,
        "status": p.status,
        "progress": p.progress,
        "files": p.files,
        "size": p.size,
        "error": p.error,
        "duration_seconds": p.duration,
    }


@router.post(
    "/quality/audit-packs",
    response={202: AuditPackOut, **errors(401, 403, 422)},
    operation_id="build_audit_pack",
    summary="Queue an audit pack: a period and a sample (seeded or chosen); admin",
)
def build_audit_pack(request: HttpRequest, body: AuditPackIn) -> Status[dict[str, Any]]:
    user = acting_user(request)
    membership = require_membership(user, *STAFF)
    with invalid_input():
        made = pack.request_pack(
            organisation=membership.organisation,
            by=user,
            start=body.start,
            end=body.end,
            size=body.size,
            seed=body.seed,
            chosen=body.bilan_ids,
        )
    return Status(202, pack_out(made))


@router.get(
    "/quality/audit-packs/{pack_id}",
    response={200: AuditPackOut, **errors(401, 403, 404)},
    operation_id="get_audit_pack",
    summary="An audit pack's progress (poll it until « done »); admin",
)
def get_audit_pack(request: HttpRequest, pack_id: VersionId) -> dict[str, Any]:
    user = acting_user(request)
    require_membership(user, Role.ADMIN)
    found = pack.packs_for(user).select_related("version").filter(pk=pack_id).first()
    if found is None:
        raise Http404
    return pack_out(found)
