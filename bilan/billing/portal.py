"""The beneficiary's billing pages: « Mes factures » (the issued pieces she pays herself,
their PDF) and « Mon contrat » (the personal-funds contract: terms of sale, mediator,
withdrawal period, instalments, and « Se rétracter » while the period runs)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import Bilan, RuleViolation
from bilan.billing import contracts, invoicing
from bilan.billing.models import ContractStatus, PersonalFundsContract
from bilan.billing.views import pdf_response, refuse
from bilan.organisations.access import beneficiary_required


def current_contract(request: AuthenticatedRequest) -> PersonalFundsContract | None:
    bilan = Bilan.objects.with_people().current_for(request.user)
    if bilan is None:
        return None
    try:
        return contracts.contract_for_user(request.user, bilan)
    except Http404:
        return None


@beneficiary_required
def invoices(request: AuthenticatedRequest) -> HttpResponse:
    documents = invoicing.documents_for(request.user)
    return TemplateResponse(request, "billing/portal_invoices.html", {"documents": documents})


@beneficiary_required
@require_GET
def invoice_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = invoicing.get_document_for_user(request.user, pk)
    return pdf_response(invoicing.document_pdf(document), invoicing.filename(document))


def contract_page(
    request: AuthenticatedRequest, contract: PersonalFundsContract | None, status: int = 200
) -> TemplateResponse:
    today = timezone.localdate()
    may_withdraw = (
        contract is not None
        and contract.status == ContractStatus.SIGNED
        and contract.in_withdrawal_period(today)
    )
    return TemplateResponse(
        request,
        "billing/portal_contract.html",
        {
            "contract": contract,
            "instalments": list(contract.instalments.all()) if contract else [],
            "may_withdraw": may_withdraw,
        },
        status=status,
    )


@beneficiary_required
def contract(request: AuthenticatedRequest) -> HttpResponse:
    return contract_page(request, current_contract(request))


@beneficiary_required
@require_POST
def contract_withdraw(request: AuthenticatedRequest) -> HttpResponse:
    found = current_contract(request)
    if found is None:
        raise Http404
    try:
        contracts.withdraw(by=request.user, contract=found)
    except RuleViolation as e:
        refuse(e)
        for message in e.messages:
            messages.error(request, message)
        return contract_page(request, found, status=409)
    messages.success(
        request, _t("Vous vous êtes rétracté·e : le contrat est annulé, aucune somme n'est due.")
    )
    return redirect("portal:contract")


urlpatterns = [
    path("factures/", invoices, name="invoices"),
    path("factures/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("contrat/", contract, name="contract"),
    path("contrat/retractation/", contract_withdraw, name="contract_withdraw"),
]
