"""Staff pages of the funding: a bilan's funding (shares, changes log), see urlpatterns.

The access helper first (another organisation's bilan, a colleague's, is a 404), then the one
owner `rules.set_funding`; a refusal is shown in French with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, FundingRoute
from bilan.funding import cpf, qualiopi, rules, views_edof, views_funder, views_simulator
from bilan.funding.forms import FundingForm, QualiopiForm, ShareFormSet, share_inputs
from bilan.funding.models import CpfRule, Funding, QualiopiCertificate
from bilan.organisations.access import require_membership, staff_required
from bilan.organisations.models import Role

EXTRA_ROWS = 2


def initial_rows(bilan: Bilan) -> list[dict[str, Any]]:
    funding = rules.funding_of(bilan)
    rows = [
        {name: getattr(s, name) for name in rules.SHARE_FIELDS} for s in rules.shares_of(funding)
    ]
    return rows + [{} for _ in range(EXTRA_ROWS)]


def render_page(
    request: AuthenticatedRequest,
    bilan: Bilan,
    form: FundingForm | None = None,
    formset: Any = None,
    status: int = 200,
) -> TemplateResponse:
    funding = rules.funding_of(bilan)
    return TemplateResponse(
        request,
        "funding/edit.html",
        {
            "bilan": bilan,
            "funding": funding,
            "form": form
            or FundingForm(
                initial={
                    "price": funding.price,
                    "prior_bilan_answer": funding.prior_bilan_answer,
                    "exemption": funding.exemption,
                    "cpf_cgu_version": funding.cpf_cgu_version,
                }
            ),
            "summary": cpf_summary(bilan, funding),
            "formset": formset or ShareFormSet(initial=initial_rows(bilan), prefix="share"),
            "changes": funding.changes.select_related("by").order_by("-at", "-id"),
            "may_manage": rules.may_manage(request.user, bilan),
            "may_correct": rules.may_correct(request.user, bilan) and rules.is_closed(bilan),
            "closed": rules.is_closed(bilan),
        },
        status=status,
    )


@staff_required
def edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The bilan's funding; POST replaces it through the owner."""
    bilan = get_bilan_for_user(request.user, pk)
    if request.method != "POST":
        return render_page(request, bilan)
    form = FundingForm(request.POST)
    formset = ShareFormSet(request.POST, prefix="share")
    if not (form.is_valid() and formset.is_valid()):
        return render_page(request, bilan, form, formset, status=422)
    try:
        rules.set_funding(
            bilan=bilan,
            by=request.user,
            shares=share_inputs(formset),
            price=form.cleaned_data["price"],
            reason=form.cleaned_data["reason"],
            correction=form.cleaned_data["correction"],
            file=form.file(),
        )
    except ValidationError as error:
        if getattr(error, "code", "") == "forbidden":
            raise PermissionDenied(" ".join(error.messages)) from error
        form.add_error(None, error)
        return render_page(request, bilan, form, formset, status=422)
    messages.success(request, _t("Financement enregistré."))
    return redirect("funding:edit", pk=bilan.pk)


def cpf_summary(bilan: Bilan, funding: Funding) -> dict[str, Any]:
    """What the CPF rules in force say of this file: the ceiling, the participation."""
    rule = cpf.rule_for(bilan)
    shares = rules.shares_of(funding)
    return {
        "rule": rule,
        "ceiling": cpf.cpf_ceiling(
            funding.price,
            accompaniment_minutes=bilan.planned_accompaniment_minutes,
            personal_minutes=bilan.planned_personal_minutes,
            rule=rule,
        ),
        "participation": cpf.participation(
            rule=rule, situation=bilan.situation, shares=shares, declared=funding.exemption
        ),
        "has_cpf": any(s.route == FundingRoute.CPF for s in shares),
    }


@staff_required
def cpf_rules(request: AuthenticatedRequest) -> HttpResponse:
    """The CPF rules table; the administration confirms a row against the JO (POST)."""
    membership = require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    if request.method == "POST":
        require_membership(request.user, Role.ADMIN)
        rule = get_object_or_404(CpfRule, pk=request.POST.get("rule") or 0)
        try:
            cpf.confirm_rule(rule_id=rule.pk, by=request.user)
        except ValidationError as error:
            if getattr(error, "code", "") == "forbidden":
                raise PermissionDenied(" ".join(error.messages)) from error
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _t("Règle CPF confirmée."))
        return redirect("funding:cpf_rules")
    return TemplateResponse(
        request,
        "funding/cpf_rules.html",
        {"rules": CpfRule.objects.select_related("confirmed_by"), "is_admin": membership.is_admin},
    )


@staff_required
def qualiopi_page(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's Qualiopi certificates; the administration records one (POST)."""
    membership = require_membership(request.user, Role.ADMIN, Role.CONSULTANT)
    form = QualiopiForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        require_membership(request.user, Role.ADMIN)
        if form.is_valid():
            try:
                qualiopi.record_certificate(
                    organisation=membership.organisation, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                if getattr(error, "code", "") == "forbidden":
                    raise PermissionDenied(" ".join(error.messages)) from error
                form.add_error(None, error)
            else:
                messages.success(request, _t("Certificat Qualiopi enregistré."))
                return redirect("funding:qualiopi")
        status = 422
    return TemplateResponse(
        request,
        "funding/qualiopi.html",
        {
            "form": form,
            "is_admin": membership.is_admin,
            "certificates": QualiopiCertificate.objects.filter(
                organisation_id=membership.organisation_id
            ),
            "current": qualiopi.certificate_on(membership.organisation, timezone.localdate()),
        },
        status=status,
    )


urlpatterns = [
    path("qualiopi/", qualiopi_page, name="qualiopi"),
    path("bilans/<int:pk>/", edit, name="edit"),
    path("regles-cpf/", cpf_rules, name="cpf_rules"),
    *views_simulator.urlpatterns,
    *views_funder.urlpatterns,
    *views_edof.urlpatterns,
]
