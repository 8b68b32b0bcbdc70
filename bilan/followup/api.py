"""API v1: the plan d'action, closing, the suivi (mounted on the main api, see bilan/api/api.py).

The plan is content: the beneficiary and the assigned consultant read it (the consultant's
reads audited), the administration gets 403. Writes follow bilan/followup/actionplan.py: both
write during the conclusions; after closing the beneficiary updates statuses and notes, the
consultant nothing until the suivi (409). Closing refuses with the list of what is missing
(409, `missing`). The suivi is scheduled only after closing (409 before).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, error, errors
from bilan.api.schemas import MAX_INT, ErrorOut, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Completion, RuleViolation, StopReason
from bilan.entretiens.models import Modality
from bilan.followup import actionplan, certificate, closing, suivi
from bilan.followup.models import TEXT_MAX, WHAT_MAX, Action, ActionStatus, Outcome

router = Router(tags=["followup"])

ActionId = Annotated[int, Path(ge=1, le=MAX_INT)]


class ActionIn(InputSchema):
    what: str = Field(max_length=WHAT_MAX)
    first_step: str = Field("", max_length=TEXT_MAX)
    due_on: dt.date | None = None
    training: str = Field("", max_length=TEXT_MAX)
    funding: str = Field("", max_length=TEXT_MAX)
    network: str = Field("", max_length=TEXT_MAX)
    people: str = Field("", max_length=TEXT_MAX)
    obstacles: str = Field("", max_length=TEXT_MAX)
    overcome: str = Field("", max_length=TEXT_MAX)
    is_plan_b: bool = False
    order: int | None = Field(None, ge=0, le=10_000)


class ActionPatch(InputSchema):
    """Only the fields given change; after closing the beneficiary gives only status / note."""

    what: str | None = Field(None, max_length=WHAT_MAX)
    first_step: str | None = Field(None, max_length=TEXT_MAX)
    due_on: dt.date | None = None
    training: str | None = Field(None, max_length=TEXT_MAX)
    funding: str | None = Field(None, max_length=TEXT_MAX)
    network: str | None = Field(None, max_length=TEXT_MAX)
    people: str | None = Field(None, max_length=TEXT_MAX)
    obstacles: str | None = Field(None, max_length=TEXT_MAX)
    overcome: str | None = Field(None, max_length=TEXT_MAX)
    is_plan_b: bool | None = None
    order: int | None = Field(None, ge=0, le=10_000)
    status: ActionStatus | None = None
    note: str | None = Field(None, max_length=TEXT_MAX)


class ActionStatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    by: str


class ActionOut(Schema):
    id: int
    what: str
    first_step: str
    due_on: dt.date | None
    training: str
    funding: str
    network: str
    people: str
    obstacles: str
    overcome: str
    status: ActionStatus
    status_label: str
    order: int
    is_plan_b: bool
    note: str
    added_at_suivi: bool
    history: list[ActionStatusChangeOut]


class PisteRef(Schema):
    id: int
    title: str


class ActionPlanOut(Schema):
    bilan_id: int
    piste: PisteRef | None
    plan_b: str
    actions: list[ActionOut]
    progress: dict[str, int]
    done_percent: int


class SlotIn(InputSchema):
    starts_at: dt.datetime = Field(description="Paris time when no offset is given")
    planned_minutes: int = Field(suivi.SUIVI_MINUTES, ge=15, le=240)
    modality: Modality = Modality.IN_PERSON
    place: str = Field("", max_length=300)
    video_link: str = Field("", max_length=500)

    def slot(self) -> suivi.SuiviSlot:
        starts_at = self.starts_at
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        return suivi.SuiviSlot(
            starts_at=starts_at,
            planned_minutes=self.planned_minutes,
            modality=self.modality,
            place=self.place,
            video_link=self.video_link,
        )


class CloseIn(InputSchema):
    completion: Completion = Completion.FULL
    reason: StopReason | None = None
    suivi: SlotIn | None = Field(None, description="The suivi's booking; default ≈ 6 months")


class ChecklistItemOut(Schema):
    key: str
    label: str
    ok: bool
    missing: str
    detail: str


class ClosedOut(Schema):
    id: int
    status: str
    closed_on: dt.date | None
    completion: str
    suivi_starts_at: dt.datetime | None


class CloseRefusedOut(ErrorOut):
    missing: list[str] = []


class SuiviOut(Schema):
    bilan_id: int
    entretien_id: int | None
    starts_at: dt.datetime | None
    planned_minutes: int | None
    modality: str | None
    self_diagnosis_sent_at: dt.datetime | None
    outcome: str


class SelfDiagnosisIn(InputSchema):
    formations: str = Field("", max_length=TEXT_MAX)
    candidatures: str = Field("", max_length=TEXT_MAX)
    enquetes: str = Field("", max_length=TEXT_MAX)
    contacts: str = Field("", max_length=TEXT_MAX)
    results: str = Field("", max_length=TEXT_MAX)
    obstacles: str = Field("", max_length=TEXT_MAX)
    questions: str = Field("", max_length=TEXT_MAX)
    submit: bool = Field(True, description="false: save a draft without sending it")


class SelfDiagnosisOut(Schema):
    bilan_id: int
    formations: str
    candidatures: str
    enquetes: str
    contacts: str
    results: str
    obstacles: str
    questions: str
    submitted_at: dt.datetime | None


# ---- serialising ----------------------------------------------------------------------------


def action_out(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        **{name: getattr(a, name) for name in actionplan.CONTENT_FIELDS},
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "note": a.note,
        "added_at_suivi": a.added_at_suivi,
        "history": [
            {
                "from_status": c.from_status,
                "to_status": c.to_status,
                "at": c.at,
                "by": c.by.get_full_name() if c.by else "",
            }
            for c in a.status_changes.all()
        ],
    }


def plan_out(view: actionplan.PlanView) -> dict[str, Any]:
    piste = view.piste
    return {
        "bilan_id": view.bilan.pk,
        "piste": {"id": piste.pk, "title": piste.title} if piste else None,
        "plan_b": view.plan_b,
        "actions": [action_out(a) for a in view.actions],
        "progress": view.progress,
        "done_percent": view.done_percent,
    }


def suivi_out(bilan_id: int, record) -> dict[str, Any]:
    entretien = record.entretien if record else None
    return {
        "bilan_id": bilan_id,
        "entretien_id": entretien.pk if entretien else None,
        "starts_at": entretien.starts_at if entretien else None,
        "planned_minutes": entretien.planned_minutes if entretien else None,
        "modality": entretien.modality if entretien else None,
        "self_diagnosis_sent_at": record.self_diagnosis_sent_at if record else None,
        "outcome": record.outcome if record else "",
    }


def action_of(bilan, action_id: int) -> Action:
    action = (
        Action.objects.filter(pk=action_id, plan__bilan=bilan).select_related("plan__bilan").first()
    )
    if action is None:
        raise Http404
    return action


def path_of(suffix: str) -> str:
    return "/bilans/{bilan_id}/" + suffix


# ---- endpoints ------------------------------------------------------------------------------


@router.get(
    path_of("action-plan"),
    response={200: ActionPlanOut, **errors(401, 403, 404, 422)},
    operation_id="get_action_plan",
    summary="The plan d'action with each action's status and history (audited for staff)",
)
def get_action_plan(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return plan_out(actionplan.read_plan(reader=user, bilan=bilan, channel="api"))


@router.post(
    path_of("action-plan/actions"),
    response={201: ActionOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_action",
    summary="Add an action to the plan (during the conclusions, or the consultant at the suivi)",
)
def create_action(
    request: HttpRequest, bilan_id: BilanId, payload: ActionIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    fields = payload.model_dump(exclude_none=True)
    action = actionplan.create_action(bilan=bilan, by=user, **fields)
    return Status(201, action_out(action))


@router.patch(
    path_of("action-plan/actions/{action_id}"),
    response={200: ActionOut, **errors(401, 403, 404, 409, 422)},
    operation_id="update_action",
    summary="Change an action; after closing the beneficiary changes its status and notes",
)
def update_action(
    request: HttpRequest, bilan_id: BilanId, action_id: ActionId, payload: ActionPatch
) -> dict[str, Any]:
    user = acting_user(request)
    action = action_of(get_bilan_for_user(user, bilan_id), action_id)
    fields = payload.model_dump(exclude_unset=True)
    for name in ("what", "status", "is_plan_b", "order"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    if not fields:
        actionplan.require_reader(user, action.plan.bilan)
        return action_out(action)
    actionplan.update_action(action=action, by=user, **fields)
    return action_out(Action.objects.get(pk=action.pk))


@router.delete(
    path_of("action-plan/actions/{action_id}"),
    response={204: None, **errors(401, 403, 404, 409, 422)},
    operation_id="delete_action",
    summary="Remove an action from the plan (while the plan may be fully edited)",
)
def delete_action(request: HttpRequest, bilan_id: BilanId, action_id: ActionId) -> tuple[int, None]:
    user = acting_user(request)
    action = action_of(get_bilan_for_user(user, bilan_id), action_id)
    actionplan.require_reader(user, action.plan.bilan)
    actionplan.delete_action(action=action, by=user)
    return Status(204, None)


class PlanBIn(InputSchema):
    plan_b: str = Field(max_length=TEXT_MAX, description="The plan B, in words.")


@router.put(
    path_of("action-plan/plan-b"),
    response={200: ActionPlanOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_plan_b",
    summary="Write the plan B, in words (while the plan may be fully edited)",
)
def save_plan_b(request: HttpRequest, bilan_id: BilanId, payload: PlanBIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    actionplan.require_reader(user, bilan)
    actionplan.save_plan_b(bilan=bilan, by=user, text=payload.plan_b)
    return plan_out(actionplan.read_plan(reader=user, bilan=bilan, channel="api"))


@router.get(
    path_of("closing-checklist"),
    response={200: list[ChecklistItemOut], **errors(401, 403, 404, 422)},
    operation_id="get_closing_checklist",
    summary="Each closing condition, ok or missing (administrative: staff of the bilan)",
)
def get_closing_checklist(
    request: HttpRequest, bilan_id: BilanId, completion: Completion = Completion.FULL
) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    return [i.__dict__ for i in closing.checklist(bilan, completion)]


@router.post(
    path_of("close"),
    response={200: ClosedOut, 409: CloseRefusedOut, **errors(401, 403, 404, 422)},
    operation_id="close_bilan",
    summary="Close the bilan (409 with the list of what is missing); schedules an accepted suivi",
)
def close_bilan(request: HttpRequest, bilan_id: BilanId, payload: CloseIn) -> Any:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    try:
        closing.close_bilan(
            bilan=bilan,
            by=user,
            completion=payload.completion,
            reason=payload.reason or "",
            suivi_slot=payload.suivi.slot() if payload.suivi else None,
        )
    except RuleViolation as e:
        if getattr(e, "missing", None):
            return error(request, 409, " ".join(e.messages), missing=e.missing)
        raise
    record = suivi.suivi_of(bilan)
    return {
        "id": bilan.pk,
        "status": bilan.status,
        "closed_on": bilan.closed_on,
        "completion": bilan.completion,
        "suivi_starts_at": record.entretien.starts_at if record and record.entretien else None,
    }


@router.post(
    path_of("suivi"),
    response={200: SuiviOut, **errors(401, 403, 404, 409, 422)},
    operation_id="schedule_suivi",
    summary="Book or move the entretien de suivi (after closing only; the .ics invitation is sent)",
)
def schedule_suivi(request: HttpRequest, bilan_id: BilanId, payload: SlotIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    record = suivi.schedule_suivi(bilan=bilan, by=user, slot=payload.slot())
    return suivi_out(bilan.pk, suivi.suivi_of(bilan) or record)


@router.put(
    path_of("suivi/self-diagnosis"),
    response={200: SelfDiagnosisOut, **errors(401, 403, 404, 409, 422)},
    operation_id="submit_self_diagnosis",
    summary="The beneficiary's self-diagnosis before the entretien de suivi (beneficiary only)",
)
def submit_self_diagnosis(
    request: HttpRequest, bilan_id: BilanId, payload: SelfDiagnosisIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    answers = payload.model_dump(exclude={"submit"})
    diagnosis = suivi.save_self_diagnosis(bilan=bilan, by=user, submit=payload.submit, **answers)
    return {
        "bilan_id": bilan.pk,
        **{n: getattr(diagnosis, n) for n in answers},
        "submitted_at": diagnosis.submitted_at,
    }


class SuiviStartedOut(SuiviOut):
    status: str


@router.post(
    path_of("suivi/start"),
    response={200: SuiviStartedOut, **errors(401, 403, 404, 409, 422)},
    operation_id="start_suivi",
    summary="Open the entretien de suivi (status « suivi »): the plan d'action becomes "
    "adjustable (the assigned consultant)",
)
def start_suivi(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    actionplan.require_reader(user, bilan)  # as the page: the suivi is content
    suivi.start_suivi(bilan=bilan, by=user)
    bilan.refresh_from_db()
    return {**suivi_out(bilan.pk, suivi.suivi_of(bilan)), "status": bilan.status}


class SuiviReportIn(InputSchema):
    advances: str = Field("", max_length=TEXT_MAX)
    difficulties: str = Field("", max_length=TEXT_MAX)
    adjustments: str = Field("", max_length=TEXT_MAX)
    new_actions: str = Field("", max_length=TEXT_MAX)
    calendar: str = Field("", max_length=TEXT_MAX)
    recommendations: str = Field("", max_length=TEXT_MAX)
    finalise: bool = Field(
        False, description="true: hand the compte-rendu to the beneficiary (it stays editable)"
    )


class SuiviReportOut(Schema):
    bilan_id: int
    advances: str
    difficulties: str
    adjustments: str
    new_actions: str
    calendar: str
    recommendations: str
    finalised_at: dt.datetime | None
    updated_at: dt.datetime


@router.put(
    path_of("suivi/report"),
    response={200: SuiviReportOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_suivi_report",
    summary="The consultant's report of the entretien de suivi; finalise hands it to the "
    "beneficiary (the assigned consultant, during the suivi)",
)
def save_suivi_report(
    request: HttpRequest, bilan_id: BilanId, payload: SuiviReportIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    actionplan.require_reader(user, bilan)  # as the page
    fields = payload.model_dump(exclude={"finalise"})
    report = suivi.save_report(bilan=bilan, by=user, finalise=payload.finalise, **fields)
    return {
        "bilan_id": bilan.pk,
        **{name: getattr(report, name) for name in fields},
        "finalised_at": report.finalised_at,
        "updated_at": report.updated_at,
    }


class OutcomeIn(InputSchema):
    outcome: Outcome


@router.put(
    path_of("suivi/outcome"),
    response={200: SuiviOut, **errors(401, 403, 404, 409, 422)},
    operation_id="record_suivi_outcome",
    summary="Where the beneficiary stands at the suivi, as a category (the assigned consultant, "
    "during the suivi)",
)
def record_suivi_outcome(
    request: HttpRequest, bilan_id: BilanId, payload: OutcomeIn
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    actionplan.require_reader(user, bilan)  # as the page
    record = suivi.record_outcome(bilan=bilan, by=user, outcome=payload.outcome)
    return suivi_out(bilan.pk, record)


# ---- the certificat de réalisation's versions (issue 14) -------------------------------------


class CertificateVersionOut(Schema):
    number: int
    reason: str
    issued_at: dt.datetime
    delivered_minutes: int
    attendance_minutes: int


class ReissueIn(InputSchema):
    reason: str = Field(..., min_length=1, max_length=300)


def version_out(version: Any) -> dict[str, Any]:
    return {
        "number": version.number,
        "reason": version.reason,
        "issued_at": version.issued_at,
        "delivered_minutes": version.facts.get("delivered_minutes", 0),
        "attendance_minutes": version.facts.get("attendance_minutes", 0),
    }


@router.get(
    path_of("certificates"),
    response={200: list[CertificateVersionOut], **errors(401, 403, 404, 422)},
    operation_id="list_certificate_versions",
    summary="The issued versions of the certificat de réalisation, oldest first",
)
def list_certificate_versions(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    return [version_out(v) for v in certificate.versions(bilan)]


@router.post(
    path_of("certificates"),
    response={201: CertificateVersionOut, **errors(401, 403, 404, 409, 422)},
    operation_id="reissue_certificate",
    summary="Reissue the certificate as a new numbered version with a reason (never overwritten)",
)
def reissue_certificate(
    request: HttpRequest, bilan_id: BilanId, payload: ReissueIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id, write=True)
    certificate.current(bilan, by=user)  # version 1 first, if never issued
    version = certificate.reissue(bilan, by=user, reason=payload.reason)
    return Status(201, version_out(version))
