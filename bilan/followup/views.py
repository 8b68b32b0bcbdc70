"""Staff pages: the plan d'action, the closing checklist and the certificat de réalisation,
the entretien de suivi (see urlpatterns at the bottom).

Each view calls the access helper first (another organisation's bilan, or a colleague's, is a
404), then one service function; a refusal is shown in French with what was typed kept.
The plan and the suivi are content: the administration gets a 403. The checklist and the
certificate are administrative: the administration reads them, only the consultant closes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, FollowUpDecision, Status
from bilan.bilans.transitions import may_transition
from bilan.entretiens.views_attendance import pdf_response
from bilan.followup import actionplan, certificate, closing, suivi
from bilan.followup.forms import (
    ActionForm,
    CloseForm,
    OutcomeForm,
    PlanBForm,
    ReportForm,
    SlotForm,
    TrackForm,
)
from bilan.followup.models import ActionStatus
from bilan.organisations.access import staff_required


def raise_forbidden(error: ValidationError) -> None:
    if getattr(error, "code", "") == "forbidden":
        raise PermissionDenied(" ".join(error.messages)) from error


def show_refusal(request: HttpRequest, error: ValidationError) -> None:
    raise_forbidden(error)
    for message in error.messages:
        messages.error(request, message)


# ---- plan d'action --------------------------------------------------------------------------


def plan_context(request: HttpRequest, bilan: Bilan, **forms) -> dict:
    view = actionplan.read_plan(reader=request.user, bilan=bilan)
    return {
        "bilan": bilan,
        "view": view,
        "may_edit": actionplan.may_edit(bilan, request.user),
        "may_track": actionplan.may_track(bilan, request.user),
        "action_form": forms.get("action_form") or ActionForm(),
        "plan_b_form": forms.get("plan_b_form") or PlanBForm(initial={"plan_b": view.plan_b}),
        "refusal": actionplan.write_refusal(bilan, request.user, full=False),
        "statuses": ActionStatus.choices,
    }


def render_plan(request: HttpRequest, bilan: Bilan, template: str, status: int = 200, **forms):
    return TemplateResponse(request, template, plan_context(request, bilan, **forms), status=status)


@staff_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return render_plan(request, bilan, "followup/plan.html")


def action_fields(form: ActionForm) -> dict:
    return dict(form.cleaned_data)


def create_action_from(request: HttpRequest, bilan: Bilan, template: str, done: str):
    """The POST of the add-action form, for the staff and the portal page."""
    form = ActionForm(request.POST)
    if not form.is_valid():
        return render_plan(request, bilan, template, status=422, action_form=form)
    try:
        action = actionplan.create_action(bilan=bilan, by=request.user, **action_fields(form))
    except ValidationError as e:
        raise_forbidden(e)
        form.add_error(None, e)
        return render_plan(request, bilan, template, status=422, action_form=form)
    messages.success(request, _t("Action ajoutée au plan d'action."))
    return redirect(f"{done}#action-{action.pk}")


@staff_required
@require_POST
def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    return create_action_from(request, bilan, "followup/plan.html", done=plan_url(bilan))


def plan_url(bilan: Bilan) -> str:
    return reverse("followup:plan", args=[bilan.pk])


def plan_b_from(request: HttpRequest, bilan: Bilan, template: str, done: str):
    form = PlanBForm(request.POST)
    if not form.is_valid():
        return render_plan(request, bilan, template, status=422, plan_b_form=form)
    try:
        actionplan.save_plan_b(bilan=bilan, by=request.user, text=form.cleaned_data["plan_b"])
    except ValidationError as e:
        raise_forbidden(e)
        form.add_error(None, e)
        return render_plan(request, bilan, template, status=422, plan_b_form=form)
    messages.success(request, _t("Plan B enregistré."))
    return redirect(f"{done}#plan-b")


@staff_required
@require_POST
def plan_b(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    return plan_b_from(request, bilan, "followup/plan.html", done=plan_url(bilan))


def edit_action_page(request: HttpRequest, action, template: str, done: str):
    """GET: the action's form; POST: rewrite it (staff and portal)."""
    bilan = action.plan.bilan
    actionplan.require_reader(request.user, bilan)
    status = 200
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            try:
                actionplan.update_action(action=action, by=request.user, **action_fields(form))
            except ValidationError as e:
                raise_forbidden(e)
                form.add_error(None, e)
            else:
                messages.success(request, _t("Action enregistrée."))
                return redirect(f"{done}#action-{action.pk}")
        status = 422
    else:
        form = ActionForm(initial=ActionForm.initial_for(action))
    return TemplateResponse(
        request,
        template,
        {
            "bilan": bilan,
            "action": action,
            "form": form,
            "may_edit": actionplan.may_edit(bilan, request.user),
            "done": done,
        },
        status=status,
    )


@staff_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    return edit_action_page(
        request, action, "followup/action_form.html", done=plan_url(action.plan.bilan)
    )


def track_action(request: HttpRequest, action, done: str) -> HttpResponse:
    """POST status and note of an action (staff and portal)."""
    actionplan.require_reader(request.user, action.plan.bilan)
    form = TrackForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(f"{done}#action-{action.pk}")
    try:
        actionplan.update_action(action=action, by=request.user, **form.cleaned_data)
    except ValidationError as e:
        show_refusal(request, e)
    else:
        messages.success(request, _t("État de l'action enregistré."))
    return redirect(f"{done}#action-{action.pk}")


@staff_required
@require_POST
def action_track(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    return track_action(request, action, plan_url(action.plan.bilan))


@staff_required
@require_POST
def action_delete(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    bilan = action.plan.bilan
    actionplan.require_reader(request.user, bilan)
    try:
        actionplan.delete_action(action=action, by=request.user)
    except ValidationError as e:
        show_refusal(request, e)
    else:
        messages.success(request, _t("Action retirée du plan d'action."))
    return redirect("followup:plan", pk=bilan.pk)


# ---- closing --------------------------------------------------------------------------------


def closing_page(request: HttpRequest, bilan: Bilan, form=None, slot_form=None, status=200):
    completion = (
        form.data.get("completion", "full") if form is not None and form.is_bound else "full"
    )
    accepted = bilan.follow_up_decision == FollowUpDecision.ACCEPTED
    done = closing.realisation(bilan)
    return TemplateResponse(
        request,
        "followup/closing.html",
        {
            "bilan": bilan,
            "realisation": done,
            "edof_reason": closing.EDOF_REASON_LABELS.get(
                closing.EDOF_REASON.get(done.suggested_reason, ""), ""
            ),
            "items": closing.checklist(bilan, completion),
            "may_close": bilan.status == Status.CONCLUSIONS
            and may_transition(request.user, bilan, "close"),
            "form": form
            or CloseForm(
                initial={
                    "completion": "full" if done.full_possible else "partial",
                    "reason": done.suggested_reason,
                }
            ),
            "slot_form": slot_form
            or SlotForm(initial=SlotForm.initial_for(suivi.default_slot(bilan))),
            "suivi_accepted": accepted,
            "certifiable": bilan.status in certificate.CERTIFIED and bilan.closed_on,
            "certificates": certificate.versions(bilan),
            "suivi": suivi.suivi_of(bilan),
        },
        status=status,
    )


@staff_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the checklist; POST (the assigned consultant): close, or the list of what is
    missing."""
    bilan = get_bilan_for_user(request.user, pk)
    if request.method != "POST":
        return closing_page(request, bilan)
    if not may_transition(request.user, bilan, "close"):
        raise PermissionDenied(_t("Seul·e le ou la consultant·e du bilan peut le clore."))
    form = CloseForm(request.POST)
    accepted = bilan.follow_up_decision == FollowUpDecision.ACCEPTED
    slot_form = SlotForm(request.POST) if accepted else None
    if not form.is_valid() or (slot_form is not None and not slot_form.is_valid()):
        return closing_page(request, bilan, form, slot_form, status=422)
    try:
        closing.close_bilan(
            bilan=bilan,
            by=request.user,
            completion=form.cleaned_data["completion"],
            reason=form.cleaned_data["reason"],
            suivi_slot=slot_form.slot() if slot_form is not None else None,
        )
    except ValidationError as e:
        show_refusal(request, e)
        return closing_page(request, bilan, form, slot_form, status=409)
    messages.success(
        request,
        _t("Bilan clos. Le certificat de réalisation est disponible.")
        + (
            " " + _t("L'entretien de suivi est planifié et l'invitation envoyée.")
            if accepted
            else ""
        ),
    )
    return redirect("followup:close", pk=bilan.pk)


@staff_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificat de réalisation: administrative (consultant and administration)."""
    bilan = get_bilan_for_user(request.user, pk)
    try:
        version = certificate.current(bilan, by=request.user)
        pdf = certificate.certificate_pdf(bilan, version)
    except ValidationError as e:
        show_refusal(request, e)
        return redirect("followup:close", pk=bilan.pk)
    return pdf_response(pdf, certificate.filename(bilan, version))


@staff_required
def certificate_version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """An earlier (or the latest) version, as it was issued."""
    bilan = get_bilan_for_user(request.user, pk)
    version = next((v for v in certificate.versions(bilan) if v.number == number), None)
    if version is None:
        raise Http404
    return pdf_response(
        certificate.certificate_pdf(bilan, version), certificate.filename(bilan, version)
    )


@staff_required
@require_POST
def certificate_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    """A new numbered version with the reason; the previous ones stay listed."""
    bilan = get_bilan_for_user(request.user, pk)
    try:
        version = certificate.reissue(bilan, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as e:
        if getattr(e, "code", "") == "forbidden":
            raise PermissionDenied(" ".join(e.messages)) from e
        show_refusal(request, e)
    else:
        messages.success(
            request,
            _t("Certificat réédité : version %(n)s.") % {"n": version.number},
        )
    return redirect("followup:close", pk=bilan.pk)


# ---- suivi ----------------------------------------------------------------------------------


def suivi_page(request: HttpRequest, bilan: Bilan, status: int = 200, **forms) -> TemplateResponse:
    view = actionplan.read_plan(reader=request.user, bilan=bilan)
    record = suivi.suivi_of(bilan)
    report = bilan.suivi_report if hasattr(bilan, "suivi_report") else None
    if report is not None:
        report = suivi.read_report(reader=request.user, bilan=bilan)
    entretien = record.entretien if record else None
    interview = (
        entretien.guide.interview(entretien.interview_key)
        if entretien is not None and entretien.guide_id
        else None
    )
    slot = suivi.default_slot(bilan)
    if entretien is not None:
        slot = suivi.SuiviSlot(
            starts_at=entretien.starts_at,
            planned_minutes=entretien.planned_minutes,
            modality=entretien.modality,
            place=entretien.place,
            video_link=entretien.video_link,
        )
    is_consultant = request.user.pk == bilan.consultant_id
    return TemplateResponse(
        request,
        "followup/suivi.html",
        {
            "bilan": bilan,
            "view": view,
            "suivi": record,
            "entretien": entretien,
            "interview": interview,
            "diagnosis": suivi.read_self_diagnosis(reader=request.user, bilan=bilan),
            "report": report,
            "is_consultant": is_consultant,
            "after_closing": bilan.status in suivi.AFTER_CLOSING,
            "accepted": bilan.follow_up_decision == FollowUpDecision.ACCEPTED,
            "slot_form": forms.get("slot_form") or SlotForm(initial=SlotForm.initial_for(slot)),
            "report_form": forms.get("report_form")
            or ReportForm(initial=ReportForm.initial_for(report)),
            "outcome_form": forms.get("outcome_form")
            or OutcomeForm(initial={"outcome": record.outcome if record else ""}),
            "may_edit": actionplan.may_edit(bilan, request.user),
        },
        status=status,
    )


@staff_required
def suivi_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    return suivi_page(request, bilan)


@staff_required
@require_POST
def suivi_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    form = SlotForm(request.POST)
    if not form.is_valid():
        return suivi_page(request, bilan, status=422, slot_form=form)
    try:
        suivi.schedule_suivi(bilan=bilan, by=request.user, slot=form.slot())
    except ValidationError as e:
        show_refusal(request, e)
        return suivi_page(request, bilan, status=409, slot_form=form)
    messages.success(request, _t("Entretien de suivi planifié ; l'invitation est envoyée."))
    return redirect("followup:suivi", pk=bilan.pk)


@staff_required
@require_POST
def suivi_start(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    try:
        suivi.start_suivi(bilan=bilan, by=request.user)
    except ValidationError as e:
        show_refusal(request, e)
    else:
        messages.success(request, _t("Suivi commencé : vous pouvez ajuster le plan d'action."))
    return redirect("followup:suivi", pk=bilan.pk)


@staff_required
@require_POST
def suivi_report(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return suivi_page(request, bilan, status=422, report_form=form)
    finalise = "finalise" in request.POST
    try:
        suivi.save_report(bilan=bilan, by=request.user, finalise=finalise, **form.cleaned_data)
    except ValidationError as e:
        show_refusal(request, e)
        return suivi_page(request, bilan, status=409, report_form=form)
    messages.success(
        request,
        _t("Compte-rendu remis au ou à la bénéficiaire.")
        if finalise
        else _t("Compte-rendu enregistré."),
    )
    return redirect("followup:suivi", pk=bilan.pk)


@staff_required
@require_POST
def suivi_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return suivi_page(request, bilan, status=422, outcome_form=form)
    try:
        suivi.record_outcome(bilan=bilan, by=request.user, outcome=form.cleaned_data["outcome"])
    except ValidationError as e:
        show_refusal(request, e)
        return suivi_page(request, bilan, status=409, outcome_form=form)
    messages.success(request, _t("Situation au suivi enregistrée."))
    return redirect("followup:suivi", pk=bilan.pk)


def report_pdf_response(request: HttpRequest, bilan: Bilan, back: str) -> HttpResponse:
    try:
        pdf = suivi.report_pdf(reader=request.user, bilan=bilan)
    except ValidationError as e:
        show_refusal(request, e)
        return redirect(back)
    return pdf_response(pdf, f"compte-rendu-suivi-{bilan.reference}.pdf")


@staff_required
def suivi_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    actionplan.require_reader(request.user, bilan)
    return report_pdf_response(request, bilan, reverse("followup:suivi", args=[bilan.pk]))


urlpatterns = [
    path("bilan/<int:pk>/plan-action/", plan, name="plan"),
    path("bilan/<int:pk>/plan-action/actions/", action_new, name="action_new"),
    path("bilan/<int:pk>/plan-action/plan-b/", plan_b, name="plan_b"),
    path("actions/<int:pk>/", action_edit, name="action_edit"),
    path("actions/<int:pk>/etat/", action_track, name="action_track"),
    path("actions/<int:pk>/retirer/", action_delete, name="action_delete"),
    path("bilan/<int:pk>/cloture/", close, name="close"),
    path("bilan/<int:pk>/certificat-realisation.pdf", certificate_pdf, name="certificate"),
    path(
        "bilan/<int:pk>/certificat-realisation/v<int:number>.pdf",
        certificate_version_pdf,
        name="certificate_version",
    ),
    path(
        "bilan/<int:pk>/certificat-realisation/reediter/",
        certificate_reissue,
        name="certificate_reissue",
    ),
    path("bilan/<int:pk>/suivi/", suivi_detail, name="suivi"),
    path("bilan/<int:pk>/suivi/planifier/", suivi_schedule, name="suivi_schedule"),
    path("bilan/<int:pk>/suivi/commencer/", suivi_start, name="suivi_start"),
    path("bilan/<int:pk>/suivi/compte-rendu/", suivi_report, name="suivi_report"),
    path("bilan/<int:pk>/suivi/situation/", suivi_outcome, name="suivi_outcome"),
    path("bilan/<int:pk>/suivi/compte-rendu.pdf", suivi_report_pdf, name="suivi_report_pdf"),
]
