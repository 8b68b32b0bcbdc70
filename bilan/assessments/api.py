"""API v1: the instruments (data, for anyone signed in) and the beneficiary's tests, mounted on
the main api (see bilan/api/api.py).

Taking a test is the beneficiary's own act (403 for anyone else); results are read by the
beneficiary and the assigned consultant (audited), never by the administration (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.assessments.administrations import (
    MAX_COMMENT,
    comment_result,
    debrief_result,
    get_administration_for_user,
    read_result,
    result_of,
    save_answers,
    set_extra_competences,
    start_test,
    submit_test,
    withdraw_health_consent,
)
from bilan.assessments.instruments import UnknownInstrument, get_instrument, latest_instruments
from bilan.assessments.models import AgeBand, Sex
from bilan.bilans.access import get_bilan_for_user

router = Router(tags=["assessments"])

AdministrationId = Annotated[int, Path(ge=1, le=MAX_INT)]
Code = Annotated[str, Path(min_length=1, max_length=50)]


class InstrumentOut(Schema):
    code: str
    version: int
    family: str
    name: str
    about: dict[str, Any]
    source: str
    licence: str
    item_count: int


class InstrumentDetailOut(InstrumentOut):
    instructions: str
    response_scale: list[dict[str, Any]]
    items: list[dict[str, Any]] = Field(description="In presentation order: id, text and scale.")


class StartIn(InputSchema):
    instrument: str = Field(max_length=50, description="An instrument code, e.g. riasec_48")
    norm_sex: Sex = Sex.UNSPECIFIED
    norm_age_band: AgeBand | None = None


class AdministrationOut(Schema):
    id: int
    bilan_id: int
    instrument: str
    instrument_version: int
    status: str
    answers: dict[str, int]
    answered: int
    total: int
    started_at: dt.datetime
    submitted_at: dt.datetime | None


class AnswersIn(InputSchema):
    answers: dict[str, int] = Field(description="{item id: value of the response scale}")


class ResultOut(Schema):
    administration_id: int
    instrument: str
    instrument_version: int
    scores: dict[str, Any]
    computed_at: dt.datetime
    beneficiary_comment: str
    debrief_note: str


def instrument_out(instrument: Any, *, detail: bool = False) -> dict[str, Any]:
    out = {
        "code": instrument.code,
        "version": instrument.version,
        "family": instrument.family,
        "name": instrument.name,
        "about": instrument.about,
        "source": instrument.data["source"],
        "licence": instrument.data["licence"],
        "item_count": len(instrument.items),
    }
    if detail:
        out |= {
            "instructions": instrument.data.get("instructions", ""),
            "response_scale": instrument.data.get("response_scale", []),
            "items": [
                {"id": i["id"], "text": i["text"], "scale": i.get("scale") or i.get("domain")}
                for i in instrument.items
            ],
        }
    return out


def administration_out(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "bilan_id": a.bilan_id,
        "instrument": a.instrument_code,
        "instrument_version": a.instrument_version,
        "status": a.status,
        "answers": a.answers,
        "answered": a.answered_count,
        "total": len(a.instrument.items),
        "started_at": a.started_at,
        "submitted_at": a.submitted_at,
    }


def result_out(result: Any) -> dict[str, Any]:
    a = result.administration
    return {
        "administration_id": a.pk,
        "instrument": a.instrument_code,
        "instrument_version": a.instrument_version,
        "scores": result.scores,
        "computed_at": result.computed_at,
        "beneficiary_comment": result.beneficiary_comment,
        "debrief_note": result.debrief_note,
    }


@router.get(
    "/instruments",
    response={200: list[InstrumentOut], **errors(401, 403)},
    operation_id="list_instruments",
    summary="The instruments offered (latest versions), with their presentation",
)
def list_instruments(request: HttpRequest) -> list[dict[str, Any]]:
    acting_user(request)
    return [instrument_out(i) for i in latest_instruments()]


@router.get(
    "/instruments/{code}",
    response={200: InstrumentDetailOut, **errors(401, 403, 404, 422)},
    operation_id="get_instrument",
    summary="One instrument with its items and response scale (no scoring keys)",
)
def get_instrument_detail(request: HttpRequest, code: Code) -> dict[str, Any]:
    acting_user(request)
    try:
        return instrument_out(get_instrument(code), detail=True)
    except UnknownInstrument:
        raise Http404 from None


@router.post(
    "/bilans/{bilan_id}/administrations",
    response={201: AdministrationOut, **errors(401, 403, 404, 409, 422)},
    operation_id="start_administration",
    summary="Start a test (the beneficiary, after its presentation), or resume the one in progress",
)
def start_administration(
    request: HttpRequest, bilan_id: BilanId, payload: StartIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    administration = start_test(
        bilan=bilan,
        by=user,
        code=payload.instrument,
        norm_sex=payload.norm_sex,
        norm_age_band=payload.norm_age_band or "",
    )
    return Status(201, administration_out(administration))


@router.patch(
    "/administrations/{administration_id}/answers",
    response={200: AdministrationOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_answers",
    summary="Save some answers (merged); one invalid answer refuses the batch, nothing lost",
)
def save_answers_endpoint(
    request: HttpRequest, administration_id: AdministrationId, payload: AnswersIn
) -> dict[str, Any]:
    user = acting_user(request)
    administration = get_administration_for_user(user, administration_id)
    save_answers(administration=administration, by=user, answers=payload.answers)
    return administration_out(administration)


@router.post(
    "/administrations/{administration_id}/submit",
    response={200: ResultOut, **errors(401, 403, 404, 409, 422)},
    operation_id="submit_administration",
    summary="Submit the complete test once; returns the scores (422 names missing items)",
)
def submit_administration(
    request: HttpRequest, administration_id: AdministrationId
) -> dict[str, Any]:
    user = acting_user(request)
    administration = get_administration_for_user(user, administration_id)
    return result_out(submit_test(administration=administration, by=user))


@router.get(
    "/administrations/{administration_id}/result",
    response={200: ResultOut, **errors(401, 403, 404, 422)},
    operation_id="get_result",
    summary="The scores of a submitted test (beneficiary, assigned consultant: audited)",
)
def get_result(request: HttpRequest, administration_id: AdministrationId) -> dict[str, Any]:
    user = acting_user(request)
    administration = get_administration_for_user(user, administration_id)
    result = read_result(reader=user, result=result_of(administration), channel="api")
    return result_out(result)


# ---- the words on a result, the consultant's additions, the health consent ------------------


class TextIn(InputSchema):
    text: str = Field(max_length=MAX_COMMENT)


@router.put(
    "/administrations/{administration_id}/result/comment",
    response={200: ResultOut, **errors(401, 403, 404, 422)},
    operation_id="comment_result",
    summary="« Comment je me reconnais dans ces résultats », the beneficiary's words on a "
    "result (beneficiary only)",
)
def comment_result_endpoint(
    request: HttpRequest, administration_id: AdministrationId, payload: TextIn
) -> dict[str, Any]:
    user = acting_user(request)
    result = result_of(get_administration_for_user(user, administration_id))
    return result_out(comment_result(result=result, by=user, text=payload.text))


@router.put(
    "/administrations/{administration_id}/result/debrief",
    response={200: ResultOut, **errors(401, 403, 404, 422)},
    operation_id="debrief_result",
    summary="The consultant's debrief note on a result (the assigned consultant only)",
)
def debrief_result_endpoint(
    request: HttpRequest, administration_id: AdministrationId, payload: TextIn
) -> dict[str, Any]:
    user = acting_user(request)
    result = result_of(get_administration_for_user(user, administration_id))
    return result_out(debrief_result(result=result, by=user, text=payload.text))


class ExtraCompetencesIn(InputSchema):
    text: str = Field(
        max_length=MAX_COMMENT,
        description="One competence a line, as on the page: the list replaces the previous one",
    )


class ExtraCompetencesOut(Schema):
    administration_id: int
    extra_competences: list[str]


@router.put(
    "/administrations/{administration_id}/extra-competences",
    response={200: ExtraCompetencesOut, **errors(401, 403, 404, 409, 422)},
    operation_id="set_extra_competences",
    summary="The consultant's competences added to an auto-évaluation in progress (the "
    "assigned consultant only)",
)
def set_extra_competences_endpoint(
    request: HttpRequest, administration_id: AdministrationId, payload: ExtraCompetencesIn
) -> dict[str, Any]:
    user = acting_user(request)
    administration = get_administration_for_user(user, administration_id)
    done = set_extra_competences(administration=administration, by=user, text=payload.text)
    return {
        "administration_id": done.pk,
        "extra_competences": done.answers.get("extra_competences", []),
    }


class HealthConsentOut(Schema):
    administration_id: int
    health_consent: bool


@router.post(
    "/administrations/{administration_id}/health-consent/withdraw",
    response={200: HealthConsentOut, **errors(401, 403, 404, 422)},
    operation_id="withdraw_health_consent",
    summary="Erase the health information of the valeurs card sort and its consent, before or "
    "after submission (beneficiary only)",
)
def withdraw_health_consent_endpoint(
    request: HttpRequest, administration_id: AdministrationId
) -> dict[str, Any]:
    user = acting_user(request)
    administration = get_administration_for_user(user, administration_id)
    done = withdraw_health_consent(administration=administration, by=user)
    return {"administration_id": done.pk, "health_consent": "health_consent" in done.answers}
