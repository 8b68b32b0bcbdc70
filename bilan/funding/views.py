"""Staff pages of the funding: a bilan's funding (shares, changes log), see urlpatterns.

The access helper first (another organisation's bilan, a colleague's, is a 404), then the one
owner `rules.set_funding`; a refusal is shown in French with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import Bilan
from bilan.funding import rules
from bilan.funding.forms import FundingForm, ShareFormSet, share_inputs
from bilan.organisations.access import get_bilan_for_user, staff_required

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
    formset: Any = None,  # noqa: ANN401
    status: int = 200,
) -> TemplateResponse:
    funding = rules.funding_of(bilan)
    return TemplateResponse(
        request,
        "funding/edit.html",
        {
            "bilan": bilan,
            "funding": funding,
            "form": form or FundingForm(initial={"price": funding.price}),
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
        )
    except ValidationError as error:
        if getattr(error, "code", "") == "forbidden":
            raise PermissionDenied(" ".join(error.messages)) from error
        form.add_error(None, error)
        return render_page(request, bilan, form, formset, status=422)
    messages.success(request, _t("Financement enregistré."))
    return redirect("funding:edit", pk=bilan.pk)


urlpatterns = [
    path("bilans/<int:pk>/", edit, name="edit"),
]
