"""Staff pages of billing (the organisation's administration only; consultants get 403):
the billing profile and its dated rule, quotes / invoices / credit notes, the personal-funds
contract of a bilan, and the BPF. Each view calls the owner; a refusal is shown in French
with what was typed kept (422), and saves nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_GET, require_POST

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan, BilanQuerySet, FundingRoute, RuleViolation
from bilan.billing import bpf, contracts, invoicing
from bilan.billing.forms import (
    BillingProfileForm,
    BillingRuleForm,
    ContractForm,
    CreditNoteForm,
    InvoiceForm,
    ScheduleForm,
)
from bilan.billing.models import BillingProfile, BillingRule, Invoice, PersonalFundsContract
from bilan.organisations.access import require_membership, role_required
from bilan.organisations.models import Role

admin_required = role_required(Role.ADMIN)


def refuse(error: RuleViolation) -> None:
    """A refusal of the person is a 403; any other is shown on the form."""
    if error.code == "forbidden":
        raise PermissionDenied(" ".join(error.messages)) from error


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---- profile --------------------------------------------------------------------------------


def profile_context(
    request: AuthenticatedRequest,
    form: BillingProfileForm | None = None,
    rule_form: BillingRuleForm | None = None,
) -> dict[str, object]:
    organisation = require_membership(request.user, Role.ADMIN).organisation
    profile = BillingProfile.for_organisation(organisation)
    return {
        "form": form or BillingProfileForm(instance=profile),
        "rule_form": rule_form or BillingRuleForm(prefix="rule"),
        "profile": profile,
        "rules": BillingRule.objects.filter(
            Q(organisation=organisation) | Q(organisation__isnull=True)
        ),
        "rule_today": BillingRule.in_force(organisation, timezone.localdate()),
    }


@admin_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        form = BillingProfileForm(request.POST)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in BillingProfileForm.Meta.fields}
            try:
                invoicing.update_profile(by=request.user, fields=fields)
            except RuleViolation as e:
                refuse(e)
                form.add_error(None, e)
            else:
                messages.success(request, _t("Profil de facturation enregistré."))
                return redirect("billing:profile")
        return TemplateResponse(
            request, "billing/profile.html", profile_context(request, form=form), status=422
        )
    return TemplateResponse(request, "billing/profile.html", profile_context(request))


@admin_required
@require_POST
def rule_add(request: AuthenticatedRequest) -> HttpResponse:
    form = BillingRuleForm(request.POST, prefix="rule")
    if form.is_valid():
        try:
            invoicing.add_rule(by=request.user, **form.cleaned_data)
        except RuleViolation as e:
            refuse(e)
            form.add_error(None, e)
        else:
            messages.success(request, _t("Règle de facturation enregistrée."))
            return redirect("billing:profile")
    return TemplateResponse(
        request, "billing/profile.html", profile_context(request, rule_form=form), status=422
    )


# ---- quotes, invoices, credit notes ---------------------------------------------------------


@admin_required
def invoice_list(request: AuthenticatedRequest) -> HttpResponse:
    documents = invoicing.documents_for(request.user).select_related("bilan__beneficiary")
    personal = billable_bilans(request).filter(funding_route=FundingRoute.PERSONAL)
    return TemplateResponse(
        request,
        "billing/invoices.html",
        {"documents": documents[:500], "personal_bilans": personal[:200]},
    )


def billable_bilans(request: AuthenticatedRequest) -> BilanQuerySet:
    return Bilan.objects.for_user(request.user).select_related("beneficiary")


@admin_required
def invoice_new(request: AuthenticatedRequest) -> HttpResponse:
    bilans = billable_bilans(request)
    initial = {}
    if request.GET.get("bilan", "").isdigit():
        initial["bilan"] = request.GET["bilan"]
    form = InvoiceForm(request.POST or None, bilans=bilans, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                document = invoicing.create_document(
                    by=request.user,
                    bilan=form.cleaned_data["bilan"],
                    kind=form.cleaned_data["kind"],
                    payer_kind=form.cleaned_data["payer_kind"],
                    payer_name=form.cleaned_data["payer_name"],
                    payer_address=form.cleaned_data["payer_address"],
                    payer_reference=form.cleaned_data["payer_reference"],
                    lines=form.lines(),
                )
            except RuleViolation as e:
                refuse(e)
                form.add_error(None, e)
            else:
                messages.success(
                    request, _t("Brouillon enregistré : vérifiez-le, puis émettez-le.")
                )
                return redirect("billing:invoice", pk=document.pk)
    return TemplateResponse(request, "billing/invoice_form.html", {"form": form}, status=status)


def invoice_page(
    request: AuthenticatedRequest,
    document: Invoice,
    *,
    credit_form: CreditNoteForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    return TemplateResponse(
        request,
        "billing/invoice.html",
        {
            "document": document,
            "lines": list(document.lines.all()),
            "credit_notes": list(document.credit_notes.issued()),
            "credit_form": credit_form or CreditNoteForm(),
            "missing": BillingProfile.for_organisation(document.organisation).missing_mentions(),
        },
        status=status,
    )


@admin_required
def invoice_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return invoice_page(request, invoicing.get_document_for_user(request.user, pk))


@admin_required
@require_POST
def invoice_issue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = invoicing.get_document_for_user(request.user, pk)
    try:
        document = invoicing.issue_document(by=request.user, document=document)
    except RuleViolation as e:
        refuse(e)
        for message in e.messages:
            messages.error(request, message)
        return invoice_page(request, document, status=409)
    messages.success(request, _t("Pièce émise sous le numéro %(n)s.") % {"n": document.number})
    return redirect("billing:invoice", pk=document.pk)


@admin_required
@require_POST
def invoice_credit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = invoicing.get_document_for_user(request.user, pk)
    form = CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = invoicing.credit_invoice(
                by=request.user, invoice=document, reason=form.cleaned_data["reason"]
            )
        except RuleViolation as e:
            refuse(e)
            form.add_error(None, e)
        else:
            messages.success(request, _t("Avoir %(n)s émis.") % {"n": note.number})
            return redirect("billing:invoice", pk=note.pk)
    return invoice_page(request, document, credit_form=form, status=422)


@admin_required
@require_POST
def invoice_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = invoicing.get_document_for_user(request.user, pk)
    try:
        invoicing.delete_document(by=request.user, document=document)
    except RuleViolation as e:
        refuse(e)
        for message in e.messages:
            messages.error(request, message)
        return invoice_page(request, document, status=409)
    messages.success(request, _t("Brouillon supprimé."))
    return redirect("billing:invoices")


@admin_required
@require_GET
def invoice_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = invoicing.get_document_for_user(request.user, pk)
    if not document.is_issued:
        raise Http404
    return pdf_response(invoicing.document_pdf(document), invoicing.filename(document))


# ---- personal-funds contract ----------------------------------------------------------------


def contract_of(bilan: Bilan) -> PersonalFundsContract | None:
    return PersonalFundsContract.objects.filter(bilan=bilan).first()


def contract_page(
    request: AuthenticatedRequest,
    bilan: Bilan,
    *,
    form: ContractForm | None = None,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    contract = contract_of(bilan)
    return TemplateResponse(
        request,
        "billing/contract.html",
        {
            "bilan": bilan,
            "contract": contract,
            "instalments": list(contract.instalments.all()) if contract else [],
            "events": list(contract.events.select_related("by")) if contract else [],
            "form": form or ContractForm(initial={"signed_on": timezone.localdate()}),
            "schedule_form": schedule_form or ScheduleForm(),
            "missing": BillingProfile.for_organisation(
                bilan.organisation
            ).missing_consumer_information(),
        },
        status=status,
    )


@admin_required
def contract(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return contract_page(request, get_bilan_for_user(request.user, pk))


@admin_required
@require_POST
def contract_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    form = ContractForm(request.POST)
    if form.is_valid():
        try:
            contracts.create_contract(by=request.user, bilan=bilan, **form.cleaned_data)
        except RuleViolation as e:
            refuse(e)
            form.add_error(None, e)
        else:
            messages.success(request, _t("Contrat enregistré."))
            return redirect("billing:contract", pk=bilan.pk)
    return contract_page(request, bilan, form=form, status=422)


@admin_required
@require_POST
def contract_schedule(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    contract = contracts.contract_for_user(request.user, bilan)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            contracts.set_schedule(
                by=request.user, contract=contract, instalments=form.instalments()
            )
        except ValidationError as e:  # the owner's refusal, or a half-filled row
            if isinstance(e, RuleViolation):
                refuse(e)
            form.add_error(None, e)
        else:
            messages.success(request, _t("Échéancier enregistré."))
            return redirect("billing:contract", pk=bilan.pk)
    return contract_page(request, bilan, schedule_form=form, status=422)


# ---- BPF ------------------------------------------------------------------------------------


def bpf_year(request: AuthenticatedRequest) -> int:
    raw = request.GET.get("annee", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@admin_required
def bpf_page(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_membership(request.user, Role.ADMIN).organisation
    year = bpf_year(request)
    figures = bpf.compute(organisation, year)
    return TemplateResponse(
        request,
        "billing/bpf.html",
        {"bpf": figures, "years": range(timezone.localdate().year, 2019, -1)},
    )


@admin_required
def bpf_csv(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_membership(request.user, Role.ADMIN).organisation
    figures = bpf.compute(organisation, bpf_year(request))
    response = HttpResponse(bpf.to_csv(figures), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bpf-{figures.year}.csv"'
    return response


urlpatterns = [
    path("profil/", profile, name="profile"),
    path("profil/regle/", rule_add, name="rule_add"),
    path("pieces/", invoice_list, name="invoices"),
    path("pieces/nouvelle/", invoice_new, name="invoice_new"),
    path("pieces/<int:pk>/", invoice_detail, name="invoice"),
    path("pieces/<int:pk>/emettre/", invoice_issue, name="invoice_issue"),
    path("pieces/<int:pk>/avoir/", invoice_credit, name="invoice_credit"),
    path("pieces/<int:pk>/supprimer/", invoice_delete, name="invoice_delete"),
    path("pieces/<int:pk>/pdf/", invoice_pdf, name="invoice_pdf"),
    path("bilan/<int:pk>/contrat/", contract, name="contract"),
    path("bilan/<int:pk>/contrat/nouveau/", contract_new, name="contract_new"),
    path("bilan/<int:pk>/contrat/echeancier/", contract_schedule, name="contract_schedule"),
    path("bpf/", bpf_page, name="bpf"),
    path("bpf.csv", bpf_csv, name="bpf_csv"),
]
