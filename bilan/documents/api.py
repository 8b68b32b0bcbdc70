"""API v1: the document de synthèse, mounted on the main api (see bilan/api/api.py).

Read by the beneficiary (the version submitted to them) and the assigned consultant (the
latest, audited); never by the administration (403). The consultant saves (each change a new
version, sanitised); the beneficiary writes observations and validates or refuses (403 for
anyone else); renders are background jobs (202, poll `get_synthese_render`), whose file
`download_synthese_render` returns for the bearer token, with the web download's checks and
audit. `prefill_synthese` is the page's « Préremplir depuis le bilan ».
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.documents import synthese as service
from bilan.documents.models import (
    SECTIONS,
    HandoverChannel,
    RenderFormat,
    RenderJob,
    Synthese,
    SyntheseShare,
)
from bilan.documents.renderers import renderer_for
from bilan.documents.sanitize import MAX_SECTION_CHARS
from bilan.lib.uploads import protect_upload

router = Router(tags=["synthese"])


class SourceOut(Schema):
    text: str
    source_type: str
    source_id: str
    source_url: str
    source_label: str


class SectionOut(Schema):
    key: str
    title: str
    html: str
    prompt: str
    sources: list[SourceOut]


class ObservationOut(Schema):
    id: int
    version_number: int
    text: str
    with_refusal: bool
    at: dt.datetime


class SyntheseOut(Schema):
    bilan_id: int
    started: bool
    status: str | None = None
    status_label: str | None = None
    version_number: int | None = None
    saved_at: dt.datetime | None = None
    submitted_number: int | None = None
    decided_number: int | None = None
    sections: list[SectionOut] = []
    observations: list[ObservationOut] = []


class SyntheseIn(InputSchema):
    sections: dict[str, str] = Field(
        description="Section key → HTML (sanitised: p, strong, em, ul/ol/li, h3/h4, a) or "
        f"plain text; keys: {', '.join(SECTIONS)}; at most {MAX_SECTION_CHARS} characters each"
    )
    base_number: int | None = Field(
        None, ge=1, le=2**31, description="The version edited; a newer one saved since is a 409"
    )


class RenderIn(InputSchema):
    format: Literal["pdf", "docx"]
    version: int | None = Field(None, ge=1, le=2**31)


class RenderOut(Schema):
    id: int
    format: str
    version_number: int
    status: str
    progress: int
    error: str
    download_url: str | None = Field(description="The web page's link (needs a web session).")
    file_url: str | None = Field(
        description="The file for this API's bearer token (download_synthese_render), once done."
    )


class PrefillIn(InputSchema):
    keys: list[Literal[tuple(SECTIONS)]] = Field(  # type: ignore[valid-type]
        default=[],
        max_length=len(SECTIONS),
        description="Sections to prefill again (all by default); ignored on a synthèse not "
        "started yet, which starts prefilled.",
    )


class ObservationIn(InputSchema):
    text: str = Field(max_length=service.MAX_OBSERVATION_CHARS)


class ValidateIn(InputSchema):
    confirm: bool = Field(False, description="Explicit confirmation, required to validate")
    refuse: bool = False
    observations: str = Field("", max_length=service.MAX_OBSERVATION_CHARS)


def synthese_out(bilan_id: int, reading: service.Reading) -> dict[str, Any]:
    synthese, version = reading.synthese, reading.version
    if synthese is None:
        return {"bilan_id": bilan_id, "started": False}
    return {
        "bilan_id": bilan_id,
        "started": True,
        "status": synthese.status,
        "status_label": str(synthese.get_status_display()),
        "version_number": version.number if version else None,
        "saved_at": version.saved_at if version else None,
        "submitted_number": synthese.submitted_number,
        "decided_number": synthese.decided_number,
        "sections": [
            {
                "key": key,
                "title": str(title),
                "html": version.section(key),
                "prompt": str(service.PROMPTS[key]),
                "sources": version.sources.get(key, []),
            }
            for key, title in SECTIONS.items()
        ]
        if version
        else [],
        "observations": [
            {
                "id": o.pk,
                "version_number": o.version.number,
                "text": o.text,
                "with_refusal": o.with_refusal,
                "at": o.at,
            }
            for o in reading.observations
        ],
    }


def job_out(job: RenderJob, beneficiary: bool) -> dict[str, Any]:
    name = "portal:synthese_download" if beneficiary else "documents:synthese_download"
    return {
        "id": job.pk,
        "format": job.format,
        "version_number": job.version_number,
        "status": job.status,
        "progress": job.progress,
        "error": job.error,
        "download_url": reverse(name, args=[job.pk]) if job.status == "done" else None,
        "file_url": reverse(
            "api:download_synthese_render",
            kwargs={"bilan_id": job.synthese.bilan_id, "job_id": job.pk},
        )
        if job.status == "done"
        else None,
    }


def path_of(suffix: str = "") -> str:
    return "/bilans/{bilan_id}/synthese" + suffix


def _synthese(user, bilan_id: int) -> tuple[Any, Synthese | None]:
    bilan = get_bilan_for_user(user, bilan_id)
    service.require_reader(user, bilan)
    return bilan, service.synthese_of(bilan)


def _started(synthese: Synthese | None) -> Synthese:
    if synthese is None:
        raise service.RuleViolation(_not_started())
    return synthese


def _not_started() -> str:
    from django.utils.translation import gettext as _t

    return _t("Le document de synthèse de ce bilan n'est pas encore commencé.")


@router.get(
    path_of(),
    response={200: SyntheseOut, **errors(401, 403, 404, 422)},
    operation_id="get_synthese",
    summary="The synthèse: the beneficiary reads the submitted version, the consultant the latest (audited)",
)
def get_synthese(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return synthese_out(bilan.pk, service.read_synthese(reader=user, bilan=bilan, channel="api"))


@router.put(
    path_of(),
    response={200: SyntheseOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_synthese",
    summary="Save the consultant's text (a new version if anything changed; started empty if needed)",
)
def save_synthese(request: HttpRequest, bilan_id: BilanId, payload: SyntheseIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan, synthese = _synthese(user, bilan_id)
    if synthese is None:
        synthese = service.start_synthese(bilan=bilan, by=user, prefilled=False)
    service.save_synthese(
        synthese=synthese, by=user, sections=payload.sections, base_number=payload.base_number
    )
    return synthese_out(bilan.pk, service.read_synthese(reader=user, bilan=bilan, channel="api"))


@router.post(
    path_of("/renders"),
    response={202: RenderOut, **errors(401, 403, 404, 409, 422)},
    operation_id="render_synthese",
    summary="Queue a PDF or DOCX of a version (beneficiary: the version submitted to them)",
)
def render_synthese(
    request: HttpRequest, bilan_id: BilanId, payload: RenderIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan, synthese = _synthese(user, bilan_id)
    job = service.request_render(
        synthese=_started(synthese),
        by=user,
        fmt=payload.format,
        number=payload.version,
        channel="api",
    )
    return Status(202, job_out(job, user.pk == bilan.beneficiary_id))


@router.get(
    path_of("/renders/{job_id}"),
    response={200: RenderOut, **errors(401, 403, 404, 422)},
    operation_id="get_synthese_render",
    summary="A render job's status and progress; its download link once done",
)
def get_synthese_render(request: HttpRequest, bilan_id: BilanId, job_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan, job = _job(user, bilan_id, job_id)
    return job_out(job, user.pk == bilan.beneficiary_id)


def _job(user, bilan_id: int, job_id: int) -> tuple[Any, RenderJob]:
    bilan = get_bilan_for_user(user, bilan_id)
    job = service.get_job_for_user(user, job_id)
    if job.synthese.bilan_id != bilan.pk:
        from django.http import Http404

        raise Http404
    return bilan, job


FILE_TYPES = {fmt: renderer_for(fmt).content_type for fmt in RenderFormat.values}


@router.get(
    path_of("/renders/{job_id}/file"),
    response=errors(401, 403, 404, 409, 422),
    operation_id="download_synthese_render",
    summary="The rendered file (attachment) for the bearer token: the beneficiary gets the "
    "versions submitted to them, the consultant any (audited as an export)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment",
                "content": {
                    ct: {"schema": {"type": "string", "format": "binary"}}
                    for ct in FILE_TYPES.values()
                },
            }
        }
    },
)
def download_synthese_render(
    request: HttpRequest, bilan_id: BilanId, job_id: BilanId
) -> HttpResponse:
    user = acting_user(request)
    _bilan, job = _job(user, bilan_id, job_id)
    handle = service.open_job_file(reader=user, job=job, channel="api")
    response = FileResponse(handle)
    return protect_upload(response, filename=job.filename, content_type=FILE_TYPES[job.format])


@router.post(
    path_of("/observations"),
    response={201: ObservationOut, **errors(401, 403, 404, 409, 422)},
    operation_id="submit_observations",
    summary="The beneficiary's observations on the version submitted to them (beneficiary only)",
)
def submit_observations(
    request: HttpRequest, bilan_id: BilanId, payload: ObservationIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    _bilan, synthese = _synthese(user, bilan_id)
    o = service.submit_observations(synthese=_started(synthese), by=user, text=payload.text)
    return Status(
        201,
        {
            "id": o.pk,
            "version_number": o.version.number,
            "text": o.text,
            "with_refusal": o.with_refusal,
            "at": o.at,
        },
    )


@router.post(
    path_of("/validation"),
    response={200: SyntheseOut, **errors(401, 403, 404, 409, 422)},
    operation_id="validate_synthese",
    summary="The beneficiary validates the submitted version (confirm: true), or refuses it "
    "(refuse: true, with observations). Beneficiary only",
)
def validate_synthese(
    request: HttpRequest, bilan_id: BilanId, payload: ValidateIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan, synthese = _synthese(user, bilan_id)
    service.validate_synthese(
        synthese=_started(synthese),
        by=user,
        confirm=payload.confirm,
        refuse=payload.refuse,
        observations=payload.observations,
    )
    return synthese_out(bilan.pk, service.read_synthese(reader=user, bilan=bilan, channel="api"))


@router.post(
    path_of("/prefill"),
    response={200: SyntheseOut, **errors(401, 403, 404, 409, 422)},
    operation_id="prefill_synthese",
    summary="« Préremplir depuis le bilan »: start the synthèse prefilled, or prefill its "
    "sections again into a new version (the assigned consultant)",
)
def prefill_synthese(request: HttpRequest, bilan_id: BilanId, payload: PrefillIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan, synthese = _synthese(user, bilan_id)
    if synthese is None:
        service.start_synthese(bilan=bilan, by=user, prefilled=True)
    else:
        service.prefill_again(synthese=synthese, by=user, keys=list(payload.keys) or None)
    return synthese_out(bilan.pk, service.read_synthese(reader=user, bilan=bilan, channel="api"))


@router.post(
    path_of("/submission"),
    response={200: SyntheseOut, **errors(401, 403, 404, 409, 422)},
    operation_id="submit_synthese",
    summary="Send the latest version to the beneficiary « pour observations » (the assigned "
    "consultant; 409 naming the empty sections)",
)
def submit_synthese(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan, synthese = _synthese(user, bilan_id)
    service.submit_for_observations(synthese=_started(synthese), by=user)
    return synthese_out(bilan.pk, service.read_synthese(reader=user, bilan=bilan, channel="api"))


# ---- the remise and the shares --------------------------------------------------------------


class HandoverIn(InputSchema):
    handed_on: dt.date = Field(description="The day of the remise (not in the future).")
    channel: HandoverChannel
    acknowledged: bool = Field(False, description="The beneficiary acknowledged receipt.")


class HandoverOut(Schema):
    id: int
    version_number: int
    handed_on: dt.date
    channel: HandoverChannel
    acknowledged: bool
    recorded_at: dt.datetime


@router.post(
    path_of("/handover"),
    response={201: HandoverOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_synthese_handover",
    summary="Record the remise of the final version: date, channel, receipt (the assigned "
    "consultant, once the beneficiary decided)",
)
def record_synthese_handover(
    request: HttpRequest, bilan_id: BilanId, payload: HandoverIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    _bilan, synthese = _synthese(user, bilan_id)
    made = service.record_handover(synthese=_started(synthese), by=user, **payload.model_dump())
    return Status(
        201,
        {
            "id": made.pk,
            "version_number": made.version_number,
            "handed_on": made.handed_on,
            "channel": made.channel,
            "acknowledged": made.acknowledged,
            "recorded_at": made.recorded_at,
        },
    )


class SyntheseShareIn(InputSchema):
    recipient_name: str = Field(max_length=200)
    recipient_email: str = Field(max_length=254)
    agree: bool = Field(False, description="The beneficiary's explicit agreement, required.")


class SyntheseShareOut(Schema):
    id: int
    version_number: int
    recipient_name: str
    recipient_email: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def share_out(share: SyntheseShare) -> dict[str, Any]:
    return {
        name: getattr(share, name) for name in SyntheseShareOut.model_fields if name != "id"
    } | {"id": share.pk}


@router.post(
    path_of("/shares"),
    response={201: SyntheseShareOut, **errors(401, 403, 404, 409, 422)},
    operation_id="share_synthese",
    summary="Share the final version with one named recipient: a one-time link is e-mailed "
    "to them, never returned (the beneficiary only)",
)
def share_synthese(
    request: HttpRequest, bilan_id: BilanId, payload: SyntheseShareIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    _bilan, synthese = _synthese(user, bilan_id)
    made, _token = service.share_synthese(
        synthese=_started(synthese), by=user, **payload.model_dump()
    )
    return Status(201, share_out(made))


ShareId = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.post(
    path_of("/shares/{share_id}/revoke"),
    response={200: SyntheseShareOut, **errors(401, 403, 404, 422)},
    operation_id="revoke_synthese_share",
    summary="Revoke a share: its link stops working (the beneficiary who made it; 404 for "
    "anyone else)",
)
def revoke_synthese_share(
    request: HttpRequest, bilan_id: BilanId, share_id: ShareId
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    share = service.share_of(by=user, pk=share_id, bilan=bilan)
    return share_out(service.revoke_share(share=share, by=user))
