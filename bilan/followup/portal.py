"""The beneficiary's space: « Mon plan d'action » (their roadmap, kept up to date after the
bilan), « Mon suivi » (the self-diagnosis before the entretien de suivi, its compte-rendu) and
the certificat de réalisation (see urlpatterns at the bottom).

Pages belong to the beneficiary's current bilan; an action of someone else's bilan is a 404.
Rules live in bilan/followup/ (actionplan.py, suivi.py, certificate.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.models import Bilan, FollowUpDecision
from bilan.entretiens.views_attendance import pdf_response
from bilan.followup import actionplan, certificate, suivi
from bilan.followup.forms import SelfDiagnosisForm
from bilan.followup.views import (
    create_action_from,
    edit_action_page,
    plan_b_from,
    raise_forbidden,
    render_plan,
    report_pdf_response,
    show_refusal,
    track_action,
)
from bilan.organisations.access import beneficiary_required

PLAN = "portal/plan.html"


def current_bilan(request: HttpRequest) -> Bilan | None:
    return Bilan.objects.with_people().current_for(request.user)


def no_bilan(request: HttpRequest, title: str) -> TemplateResponse:
    return TemplateResponse(request, "portal/parcours_no_bilan.html", {"page_title": title})


@beneficiary_required
def plan(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon plan d'action"))
    return render_plan(request, bilan, PLAN)


@beneficiary_required
@require_POST
def plan_action_new(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon plan d'action"))
    return create_action_from(request, bilan, PLAN, done=reverse("portal:plan"))


@beneficiary_required
@require_POST
def plan_b(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon plan d'action"))
    return plan_b_from(request, bilan, PLAN, done=reverse("portal:plan"))


@beneficiary_required
def plan_action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    return edit_action_page(request, action, "portal/plan_action.html", done=reverse("portal:plan"))


@beneficiary_required
@require_POST
def plan_action_track(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    return track_action(request, action, reverse("portal:plan"))


@beneficiary_required
@require_POST
def plan_action_delete(request: HttpRequest, pk: int) -> HttpResponse:
    action = actionplan.get_action_for_user(request.user, pk)
    try:
        actionplan.delete_action(action=action, by=request.user)
    except ValidationError as e:
        show_refusal(request, e)
    else:
        messages.success(request, _t("Action retirée du plan d'action."))
    return redirect("portal:plan")


def suivi_context(request: HttpRequest, bilan: Bilan, form: SelfDiagnosisForm | None) -> dict:
    record = suivi.suivi_of(bilan)
    diagnosis = suivi.read_self_diagnosis(reader=request.user, bilan=bilan)
    report = bilan.suivi_report if hasattr(bilan, "suivi_report") else None
    return {
        "bilan": bilan,
        "suivi": record,
        "entretien": record.entretien if record else None,
        "diagnosis": diagnosis,
        "may_fill": suivi.may_fill_self_diagnosis(bilan, request.user),
        "refusal": suivi.self_diagnosis_refusal(bilan, request.user),
        "form": form or SelfDiagnosisForm(initial=SelfDiagnosisForm.initial_for(diagnosis)),
        "report_ready": bool(report and report.finalised_at),
        "accepted": bilan.follow_up_decision == FollowUpDecision.ACCEPTED,
        "certifiable": bilan.status in certificate.CERTIFIED and bilan.closed_on,
        "due_on": suivi.self_diagnosis_due_on(record),
    }


@beneficiary_required
def suivi_page(request: HttpRequest) -> HttpResponse:
    """GET: the suivi, the self-diagnosis form; POST: save it (« submit » sends it)."""
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon suivi"))
    if request.method != "POST":
        return TemplateResponse(request, "portal/suivi.html", suivi_context(request, bilan, None))
    form = SelfDiagnosisForm(request.POST)
    if form.is_valid():
        submit = "submit" in request.POST
        try:
            suivi.save_self_diagnosis(
                bilan=bilan, by=request.user, submit=submit, **form.cleaned_data
            )
        except ValidationError as e:
            raise_forbidden(e)
            form.add_error(None, e)
        else:
            messages.success(
                request,
                _t("Auto-diagnostic envoyé à votre consultant·e.")
                if submit
                else _t("Auto-diagnostic enregistré."),
            )
            return redirect("portal:suivi")
    return TemplateResponse(
        request, "portal/suivi.html", suivi_context(request, bilan, form), status=422
    )


@beneficiary_required
def suivi_report_pdf(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon suivi"))
    return report_pdf_response(request, bilan, reverse("portal:suivi"))


@beneficiary_required
def certificate_pdf(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request)
    if bilan is None:
        return no_bilan(request, _t("Mon suivi"))
    try:
        pdf = certificate.certificate_pdf(bilan)
    except ValidationError as e:
        show_refusal(request, e)
        return redirect("portal:suivi")
    return pdf_response(pdf, certificate.filename(bilan))


urlpatterns = [
    path("plan-action/", plan, name="plan"),
    path("plan-action/actions/", plan_action_new, name="plan_action_new"),
    path("plan-action/plan-b/", plan_b, name="plan_b"),
    path("plan-action/actions/<int:pk>/", plan_action_edit, name="plan_action_edit"),
    path("plan-action/actions/<int:pk>/etat/", plan_action_track, name="plan_action_track"),
    path("plan-action/actions/<int:pk>/retirer/", plan_action_delete, name="plan_action_delete"),
    path("suivi/", suivi_page, name="suivi"),
    path("suivi/compte-rendu.pdf", suivi_report_pdf, name="suivi_report_pdf"),
    path("certificat-realisation.pdf", certificate_pdf, name="certificate"),
]
