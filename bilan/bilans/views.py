"""Staff pages: dashboards, creating a bilan, and the bilan page with its lifecycle actions.

Views are thin: each calls the access helper first, then one model method or action.
"""

from __future__ import annotations

import re
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.accounts.models import User
from bilan.bilans import closing, forms, sections
from bilan.bilans.access import can_read_content, get_bilan_for_user
from bilan.bilans.actions import consultants_open_to, create_bilan, update_bilan_administration
from bilan.bilans.models import (
    ACTIVE_STATUSES,
    PHASE_OF_STATUS,
    Bilan,
    ConsentMethod,
    Phase,
    RuleViolation,
    Status,
    status_counts,
)
from bilan.bilans.transitions import may_transition, run_transition
from bilan.organisations.access import require_membership, staff_required
from bilan.organisations.models import HoursRule, Membership, Organisation, Role

PIPELINE: list[str] = [
    Status.ENQUIRY,
    Status.PRELIMINARY,
    Status.INVESTIGATION,
    Status.CONCLUSIONS,
    Status.CLOSED,
    Status.FOLLOW_UP,
    Status.ARCHIVED,
]


P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def refusal(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    membership = getattr(request.user, "membership", None)
    if membership is None:
        return TemplateResponse(request, "no_membership.html", status=403)
    if membership.role == Role.BENEFICIARY:
        return redirect("portal:home")
    if membership.is_funder:
        return redirect("funding:funder_home")  # the administrative view (a URL name only)
    if membership.role == Role.ADMIN:
        return admin_dashboard(request, membership)
    return consultant_dashboard(request, membership)


def priced(bilans: list[Bilan], organisation: Organisation) -> list[Bilan]:
    """Attach each bilan's hours budget, with the rules loaded once."""
    rule_on = HoursRule.table(organisation)
    for bilan in bilans:
        bilan.hours = bilan.budget(rule_on(bilan.opened_on))
    return bilans


# Issue 18: dashboards show bounded lists whatever the number of bilans (the full lists are
# on the paginated bilan list), so a page costs the same at 10 bilans and at 10,000.
DASHBOARD_ROWS = 10
LIST_PAGE_SIZE = 50


def consultant_dashboard(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    user = request.user
    qs = Bilan.objects.for_user(user)
    counts = status_counts(qs)
    # The latest bilans of each stage: one indexed query per stage that has any (at most
    # the six active stages), each stopping at DASHBOARD_ROWS, whatever the number of bilans.
    stages = [s for s in PIPELINE if counts.get(s) and s in ACTIVE_STATUSES]
    first_rows = priced(
        [
            bilan
            for s in stages
            for bilan in qs.filter(status=s)
            .with_people()
            .with_hours()
            .order_by("-opened_on", "-pk")[:DASHBOARD_ROWS]
        ],
        membership.organisation,
    )
    by_phase = [(s, [b for b in first_rows if b.status == s], counts[s]) for s in stages]
    # The bilans in conclusions with the least accompaniment first: the ones under the
    # minimum, if any, are among them.
    lowest_ids = list(
        qs.filter(status=Status.CONCLUSIONS)
        .with_hours()
        .order_by("held_minutes", "pk")
        .values_list("pk", flat=True)[:DASHBOARD_ROWS]  # only held_minutes is computed
    )
    lowest = priced(
        list(Bilan.objects.filter(pk__in=lowest_ids).with_people().with_hours()),
        membership.organisation,
    )
    return TemplateResponse(
        request,
        "bilans/consultant_dashboard.html",
        {
            # The features' parts (entretiens: upcoming, overdue, inter-session work).
            **sections.dashboard_context(request, qs, Role.CONSULTANT),
            "by_phase": by_phase,
            "below_minimum": [b for b in lowest if b.hours.below_minimum],
            "counts": counts,
        },
    )


def admin_dashboard(request: AuthenticatedRequest, membership: Membership) -> HttpResponse:
    organisation = membership.organisation
    qs = Bilan.objects.for_user(request.user)
    bilans = priced(
        list(qs.with_people().with_hours().order_by("-opened_on", "-pk")[:DASHBOARD_ROWS]),
        organisation,
    )
    matrix_rows = (
        qs.order_by()
        .values("consultant_id", "consultant__first_name", "consultant__last_name", "status")
        .annotate(n=Count("id"))
    )
    matrix: dict[int, dict[str, Any]] = {}
    for row in matrix_rows:
        entry = matrix.setdefault(
            row["consultant_id"],
            {
                "name": f"{row['consultant__first_name']} {row['consultant__last_name']}",
                "counts": dict.fromkeys(Status.values, 0),
            },
        )
        entry["counts"][row["status"]] = row["n"]
    statuses = list(Status)
    return TemplateResponse(
        request,
        "bilans/admin_dashboard.html",
        {
            "bilans": bilans,
            "total": qs.count(),
            "statuses": statuses,
            "matrix": [
                {"name": e["name"], "cells": [e["counts"][s] for s in Status.values]}
                for e in sorted(matrix.values(), key=lambda e: e["name"])
            ],
            "counts": status_counts(qs),
            **sections.dashboard_context(request, qs, Role.ADMIN),  # entretiens: overdue
        },
    )


REFERENCE = re.compile(r"BC-(\d{4})-(\d{1,9})", re.IGNORECASE)


def search_condition(query: str) -> Q:
    """Name, e-mail or funding reference containing `query`, or the bilan's own reference
    (« BC-2026-00012 », computed from its year and id)."""
    reference = REFERENCE.fullmatch(query)
    if reference:
        return Q(pk=int(reference[2]), opened_on__year=int(reference[1]))
    return (
        Q(beneficiary__last_name__icontains=query)
        | Q(beneficiary__first_name__icontains=query)
        | Q(beneficiary__email__icontains=query)
        | Q(funding_reference__icontains=query)
    )


@staff_required
def bilan_list(request: AuthenticatedRequest) -> HttpResponse:
    """Every bilan the person may see, 50 a page, filtered by stage and searched by name,
    e-mail or reference."""
    qs = Bilan.objects.for_user(request.user)
    status = request.GET.get("etape", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        qs = qs.filter(search_condition(query))
    membership = require_membership(request.user)  # staff_required checked the role
    paginator = Paginator(
        qs.with_people().with_hours().order_by("-opened_on", "-pk"), LIST_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    bilans = priced(list(page.object_list), membership.organisation)
    return TemplateResponse(
        request,
        "bilans/list.html",
        {
            "bilans": bilans,
            "page": page,
            "statuses": list(Status),
            "current": status,
            "query": query,
        },
    )


@staff_required
def bilan_create(request: AuthenticatedRequest) -> HttpResponse:
    membership = require_membership(request.user)  # staff_required checked the role
    organisation = membership.organisation
    # The form accepts any consultant of the organisation; create_bilan decides whom this
    # person may choose, as for the API, and the form offers only those.
    form = forms.BilanCreateForm(request.POST or None, organisation=organisation)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            bilan = create_bilan(
                acting_user=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as e:
            form.add_error(None, e)
            if isinstance(e, RuleViolation) and e.code == "forbidden":
                status = 403
        else:
            messages.success(
                request,
                _t("Bilan ouvert. Une invitation a été envoyée à %(email)s.")
                % {"email": bilan.beneficiary_email},
            )
            return redirect("bilans:detail", pk=bilan.pk)
    form.consultant_field.queryset = consultants_open_to(request.user, organisation)
    return TemplateResponse(request, "bilans/create.html", {"form": form}, status=status)


def detail_context(request: AuthenticatedRequest, bilan: Bilan, **bound: Any) -> dict[str, Any]:
    user = request.user
    organisation = bilan.organisation
    budget = bilan.budget()
    reads_content = can_read_content(user, bilan)
    framing = bilan.framing_or_empty() if reads_content else None
    if framing is not None and framing.pk:
        sections.record_read(actor=user, bilan=bilan, objects=[framing])
    is_consultant = bilan.is_assigned_consultant(user)

    can = {
        name: may_transition(user, bilan, name)
        for name in (
            "start_preliminary",
            "open_investigation",
            "open_conclusions",
            "close",
            "start_follow_up",
            "archive",
            "interrupt",
            "abandon",
            "resume",
            "validate_arrangements",
            "record_follow_up_decision",
            "plan_hours",
        )
    }
    framing_initial = {
        "format": bilan.format,
        "rhythm": bilan.rhythm,
        "needs_analysis": framing.needs_analysis if framing else "",
        "agreed_arrangements": framing.agreed_arrangements if framing else "",
    }
    return {
        # The features' parts (entretiens: the list, the booking form, inter-session work).
        **sections.detail_context(request, bilan, bound),
        "bilan": bilan,
        "budget": budget,
        "pipeline": PIPELINE,
        "pipeline_index": PIPELINE.index(bilan.status) if bilan.status in PIPELINE else -1,
        "consent": bilan.active_consent(),
        "framing": framing,
        "reads_content": reads_content,
        "is_consultant": is_consultant,
        "is_admin": require_membership(user).role == Role.ADMIN,
        "can": can,
        "preliminary_missing": (
            bilan.preliminary_outputs_missing() if bilan.status == Status.PRELIMINARY else []
        ),
        # The closing owner's own list (followup.closing): « prêt » here means closing will accept.
        "closing_missing": (closing.missing(bilan) if bilan.status == Status.CONCLUSIONS else []),
        "schedule_phase": PHASE_OF_STATUS.get(bilan.status),
        "schedule_phase_label": (
            Phase(PHASE_OF_STATUS[bilan.status]).label if bilan.status in PHASE_OF_STATUS else ""
        ),
        "changes": bilan.status_changes.select_related("by"),
        "consultant_assignments": bilan.consultant_assignments.select_related(
            "consultant", "assigned_by"
        ),
        "notice_version": settings.INFORMATION_NOTICE_VERSION,
        "framing_form": bound.get("framing_form") or forms.FramingForm(initial=framing_initial),
        "hours_form": bound.get("hours_form")
        or forms.PlanHoursForm(
            initial={
                "accompaniment": bilan.planned_accompaniment_minutes / 60,
                "personal": bilan.planned_personal_minutes / 60,
            }
        ),
        "personal_form": forms.PersonalWorkForm(
            initial={"personal": bilan.delivered_personal_minutes / 60}
        ),
        "close_form": forms.CloseForm(),
        "stop_form": forms.StopForm(),
        "follow_up_form": forms.FollowUpForm(initial={"decision": bilan.follow_up_decision}),
        "consent_form": forms.PaperConsentForm(),
        "reassign_form": forms.ReassignForm(organisation=organisation),
        "admin_form": bound.get("admin_form")
        or forms.AdministrationForm(
            initial={
                "first_name": bilan.beneficiary.first_name,
                "last_name": bilan.beneficiary.last_name,
                "phone": bilan.beneficiary.phone,
                "situation": bilan.situation,
                "situation_detail": bilan.situation_detail,
                "funding_route": bilan.funding_route,
                "funding_reference": bilan.funding_reference,
            }
        ),
        "Phase": Phase,
        "Status": Status,
    }


@staff_required
def bilan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return TemplateResponse(request, "bilans/detail.html", detail_context(request, bilan))


def rerender(
    request: AuthenticatedRequest, bilan: Bilan, error: ValidationError, **bound: Any
) -> HttpResponse:
    """Show the refusal on the page with what the user typed kept in the form."""
    refusal(request, error)
    bilan.refresh_from_db()
    return TemplateResponse(
        request, "bilans/detail.html", detail_context(request, bilan, **bound), status=422
    )


@staff_required
@require_POST
def bilan_transition(request: AuthenticatedRequest, pk: int, name: str) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    if not may_transition(request.user, bilan, name):
        raise PermissionDenied
    try:
        run_transition(
            bilan,
            name,
            by=request.user,
            completion=request.POST.get("completion", ""),
            reason=request.POST.get("reason", ""),
            decision=request.POST.get("decision", ""),
        )
    except ValidationError as e:
        refusal(request, e)
    else:
        messages.success(
            request, _t("C'est enregistré : %(status)s.") % {"status": bilan.get_status_display()}
        )
    return redirect("bilans:detail", pk=bilan.pk)


def consultant_only(user: User, bilan: Bilan) -> None:
    if not bilan.is_assigned_consultant(user):
        raise PermissionDenied


@staff_required
@require_POST
def bilan_consent(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record a consent form signed on paper (the beneficiary consents online from their space)."""
    bilan = get_bilan_for_user(request.user, pk, write=True)
    form = forms.PaperConsentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request,
            _t(
                "Cochez la confirmation et joignez le formulaire signé numérisé pour "
                "enregistrer le consentement papier."
            ),
        )
        return redirect("bilans:detail", pk=bilan.pk)
    try:
        bilan.record_consent(
            by=request.user, method=ConsentMethod.PAPER, scan=form.cleaned_data["scan"]
        )
    except ValidationError as e:
        refusal(request, e)
    else:
        messages.success(request, _t("Consentement enregistré."))
    return redirect("bilans:detail", pk=bilan.pk)


@staff_required
@require_POST
def bilan_framing(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    consultant_only(request.user, bilan)
    form = forms.FramingForm(request.POST)
    if not form.is_valid():
        return rerender(
            request, bilan, ValidationError(_t("Vérifiez le formulaire.")), framing_form=form
        )
    try:
        bilan.record_preliminary_outputs(by=request.user, **form.cleaned_data)
    except ValidationError as e:
        return rerender(request, bilan, e, framing_form=form)
    messages.success(request, _t("Résultats de la phase préliminaire enregistrés."))
    return redirect("bilans:detail", pk=bilan.pk)


@staff_required
@require_POST
def bilan_hours(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    if not may_transition(request.user, bilan, "plan_hours"):  # the table Bilan.plan_hours checks
        raise PermissionDenied
    form = forms.PlanHoursForm(request.POST)
    if not form.is_valid():
        return rerender(
            request, bilan, ValidationError(_t("Vérifiez les durées.")), hours_form=form
        )
    try:
        bilan.plan_hours(
            by=request.user,
            accompaniment_minutes=form.cleaned_data["accompaniment"],
            personal_minutes=form.cleaned_data["personal"],
        )
    except ValidationError as e:
        return rerender(request, bilan, e, hours_form=form)
    messages.success(request, _t("Programme d'heures enregistré."))
    return redirect("bilans:detail", pk=bilan.pk)


@staff_required
@require_POST
def bilan_personal_work(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    consultant_only(request.user, bilan)
    form = forms.PersonalWorkForm(request.POST)
    if form.is_valid():
        try:
            bilan.record_personal_work(by=request.user, minutes=form.cleaned_data["personal"])
        except ValidationError as e:
            refusal(request, e)
    else:
        messages.error(request, _t("Vérifiez la durée."))
    return redirect("bilans:detail", pk=bilan.pk)


@staff_required
@require_POST
def bilan_reassign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk, write=True)
    require_membership(request.user, Role.ADMIN)
    form = forms.ReassignForm(request.POST, organisation=bilan.organisation)
    if form.is_valid():
        try:
            bilan.assign_consultant(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            refusal(request, e)
        else:
            messages.success(request, _t("Bilan confié à %(name)s.") % {"name": bilan.consultant})
    else:
        messages.error(request, _t("Choisissez un·e consultant·e de l'organisme."))
    return redirect("bilans:detail", pk=bilan.pk)


@staff_required
@require_POST
def bilan_administration(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Correct the beneficiary's identity, situation and financing."""
    bilan = get_bilan_for_user(request.user, pk, write=True)
    form = forms.AdministrationForm(request.POST)
    if not form.is_valid():
        return rerender(
            request, bilan, ValidationError(_t("Vérifiez le formulaire.")), admin_form=form
        )
    try:
        update_bilan_administration(acting_user=request.user, bilan=bilan, **form.cleaned_data)
    except ValidationError as e:
        return rerender(request, bilan, e, admin_form=form)
    messages.success(request, _t("Informations administratives enregistrées."))
    return redirect("bilans:detail", pk=bilan.pk)
