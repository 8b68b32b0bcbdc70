"""API v1, billing (issue 13): the billing profile and the organisation's dated rule, quotes,
invoices and credit notes, the personal-funds contract and the BPF (mounted in config/api.py).

Billing is administration: the organisation's administration does everything; a beneficiary
lists and reads the issued pieces she pays herself, reads her contract and withdraws from it;
consultants get 403 (the accompaniment, not the accounts). Every rule is in the owners
(invoicing.py, contracts.py, bpf.py); here they are only called.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _t
from ninja import Field, Path, Query, Router, Schema, Status

from bilan.accounts.models import User
from bilan.api.base import BilanId, acting_user, errors, invalid_input
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.billing import bpf, contracts, invoicing
from bilan.billing.models import (
    BillingProfile,
    BillingRule,
    ContractStatus,
    DocumentKind,
    DocumentStatus,
    Invoice,
    PayerKind,
    PersonalFundsContract,
    VatStatus,
)
from bilan.organisations.models import Role

router = Router(tags=["billing"])

InvoiceId = Annotated[int, Path(ge=1, le=MAX_INT)]
# Amounts travel as decimal strings (« 1600.00 »), in and out: never a binary float.
Money = Annotated[
    str, Field(pattern=r"^[0-9]{1,6}(\.[0-9]{1,2})?$", description="Euros, e.g. 1600.00")
]
Quantity = Annotated[
    str, Field(pattern=r"^[0-9]{1,4}(\.[0-9]{1,2})?$", description="e.g. 1 or 2.5")
]
Rate = Annotated[
    str, Field(pattern=r"^[0-9]{1,3}(\.[0-9]{1,2})?$", description="Percent, e.g. 20.00")
]


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def require_billing_reader(user: User) -> None:
    membership = invoicing.membership_of(user)
    if membership is None or membership.role not in (Role.ADMIN, Role.BENEFICIARY):
        raise PermissionDenied(_t("La facturation relève de l'administration de l'organisme."))


# ---- profile and rule -------------------------------------------------------------------------


class BillingProfileOut(Schema):
    legal_name: str
    siret: str
    nda: str
    address: str
    vat_status: VatStatus | None
    vat_number: str
    vat_rate: str
    vat_exemption_article: str
    vat_mention: str
    payment_terms_days: int
    late_penalty_rate: str
    terms_of_sale: str
    mediator: str
    missing_mentions: list[str]
    withdrawal_days: int = Field(description="The withdrawal period in force today.")
    rule_source: str
    rule_to_verify: bool


class BillingProfileIn(InputSchema):
    legal_name: str = Field(max_length=200)
    siret: str = Field("", max_length=14)
    nda: str = Field("", max_length=11)
    address: str = Field("", max_length=2000)
    vat_status: VatStatus | None = None
    vat_number: str = Field("", max_length=20)
    vat_rate: Rate = "20.00"
    vat_exemption_article: str = Field("", max_length=200)
    payment_terms_days: int = Field(30, ge=0, le=60)
    late_penalty_rate: str = Field("trois fois le taux d'intérêt légal", max_length=200)
    terms_of_sale: str = Field("", max_length=50_000)
    mediator: str = Field("", max_length=2000)


def profile_out(profile: BillingProfile) -> BillingProfileOut:
    rule = BillingRule.in_force(profile.organisation, timezone.localdate())
    return BillingProfileOut(
        legal_name=profile.legal_name,
        siret=profile.siret,
        nda=profile.nda,
        address=profile.address,
        vat_status=VatStatus(profile.vat_status) if profile.vat_status else None,
        vat_number=profile.vat_number,
        vat_rate=money(profile.vat_rate),
        vat_exemption_article=profile.vat_exemption_article,
        vat_mention=profile.vat_mention() if profile.vat_status else "",
        payment_terms_days=profile.payment_terms_days,
        late_penalty_rate=profile.late_penalty_rate,
        terms_of_sale=profile.terms_of_sale,
        mediator=profile.mediator,
        missing_mentions=profile.missing_mentions(),
        withdrawal_days=rule.withdrawal_days,
        rule_source=rule.source,
        rule_to_verify=rule.to_verify,
    )


@router.get(
    "/billing/profile",
    response={200: BillingProfileOut, **errors(401, 403)},
    operation_id="get_billing_profile",
)
def get_billing_profile(request: HttpRequest) -> BillingProfileOut:
    membership = invoicing.require_biller_membership(acting_user(request))
    return profile_out(BillingProfile.for_organisation(membership.organisation))


@router.put(
    "/billing/profile",
    response={200: BillingProfileOut, **errors(401, 403, 422)},
    operation_id="set_billing_profile",
)
def set_billing_profile(request: HttpRequest, body: BillingProfileIn) -> BillingProfileOut:
    fields = body.dict()
    fields["vat_status"] = fields["vat_status"] or ""
    fields["vat_rate"] = Decimal(body.vat_rate)
    profile = invoicing.update_profile(by=acting_user(request), fields=fields)
    return profile_out(profile)


class BillingRuleIn(InputSchema):
    valid_from: dt.date
    withdrawal_days: int = Field(14, ge=10, le=60)
    source: str = Field(min_length=1, max_length=300)


class BillingRuleOut(Schema):
    id: int
    valid_from: dt.date
    withdrawal_days: int
    first_instalment_max_percent: str
    recovery_indemnity: str
    source: str
    to_verify: bool


@router.post(
    "/billing/rules",
    response={201: BillingRuleOut, **errors(401, 403, 409, 422)},
    operation_id="add_billing_rule",
)
def add_billing_rule(request: HttpRequest, body: BillingRuleIn) -> Status[BillingRuleOut]:
    with invalid_input():
        rule = invoicing.add_rule(
            by=acting_user(request),
            valid_from=body.valid_from,
            withdrawal_days=body.withdrawal_days,
            source=body.source,
        )
    return Status(
        201,
        BillingRuleOut(
            id=rule.pk,
            valid_from=rule.valid_from,
            withdrawal_days=rule.withdrawal_days,
            first_instalment_max_percent=money(rule.first_instalment_max_percent),
            recovery_indemnity=money(rule.recovery_indemnity),
            source=rule.source,
            to_verify=rule.to_verify,
        ),
    )


# ---- quotes, invoices, credit notes -----------------------------------------------------------


class LineIn(InputSchema):
    label: str = Field(min_length=1, max_length=300)
    quantity: Quantity = "1"
    unit_price: Money


class InvoiceIn(InputSchema):
    bilan_id: int = Field(ge=1, le=MAX_INT)
    kind: DocumentKind = Field(DocumentKind.INVOICE, description="invoice or quote")
    payer_kind: PayerKind
    payer_name: str = Field(min_length=1, max_length=200)
    payer_address: str = Field(min_length=1, max_length=2000)
    payer_reference: str = Field("", max_length=100)
    lines: list[LineIn] = Field(min_length=1, max_length=invoicing.MAX_LINES)


class CreditNoteIn(InputSchema):
    reason: str = Field(min_length=1, max_length=300)


class LineOut(Schema):
    label: str
    quantity: str
    unit_price: str
    total: str


class InvoiceOut(Schema):
    id: int
    bilan_id: int
    bilan_reference: str
    kind: DocumentKind
    status: DocumentStatus
    number: str
    payer_kind: PayerKind
    payer_name: str
    payer_address: str
    payer_reference: str
    issued_on: dt.date | None
    due_on: dt.date | None
    total_ht: str
    total_vat: str
    total_ttc: str
    vat_mention: str
    credited_invoice_id: int | None
    credited_by: list[str]
    reason: str
    lines: list[LineOut]


def invoice_out(document: Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=document.pk,
        bilan_id=document.bilan_id,
        bilan_reference=document.bilan.reference,
        kind=DocumentKind(document.kind),
        status=DocumentStatus(document.status),
        number=document.number,
        payer_kind=PayerKind(document.payer_kind),
        payer_name=document.payer_name,
        payer_address=document.payer_address,
        payer_reference=document.payer_reference,
        issued_on=document.issued_on,
        due_on=document.due_on,
        total_ht=money(document.total_ht),
        total_vat=money(document.total_vat),
        total_ttc=money(document.total_ttc),
        vat_mention=document.vat_mention,
        credited_invoice_id=document.credited_invoice_id,
        credited_by=[n.number for n in document.credit_notes.issued()],
        reason=document.reason,
        lines=[
            LineOut(
                label=line.label,
                quantity=money(line.quantity),
                unit_price=money(line.unit_price),
                total=money(line.total),
            )
            for line in document.lines.all()
        ],
    )


@router.get(
    "/invoices",
    response={200: list[InvoiceOut], **errors(401, 403, 422)},
    operation_id="list_invoices",
)
def list_invoices(
    request: HttpRequest, bilan_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None
) -> list[InvoiceOut]:
    user = acting_user(request)
    require_billing_reader(user)
    qs = invoicing.documents_for(user).prefetch_related("lines")
    if bilan_id is not None:
        qs = qs.filter(bilan_id=bilan_id)
    return [invoice_out(d) for d in qs[:500]]


@router.post(
    "/invoices",
    response={201: InvoiceOut, **errors(401, 403, 404, 422)},
    operation_id="create_invoice",
)
def create_invoice(request: HttpRequest, body: InvoiceIn) -> Status[InvoiceOut]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, body.bilan_id)
    with invalid_input():
        document = invoicing.create_document(
            by=user,
            bilan=bilan,
            kind=body.kind,
            payer_kind=body.payer_kind,
            payer_name=body.payer_name,
            payer_address=body.payer_address,
            payer_reference=body.payer_reference,
            lines=[
                invoicing.LineData(
                    label=x.label, quantity=Decimal(x.quantity), unit_price=Decimal(x.unit_price)
                )
                for x in body.lines
            ],
        )
    return Status(201, invoice_out(document))


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceOut, **errors(401, 403, 404, 422)},
    operation_id="get_invoice",
)
def get_invoice(request: HttpRequest, invoice_id: InvoiceId) -> InvoiceOut:
    user = acting_user(request)
    require_billing_reader(user)
    return invoice_out(invoicing.get_document_for_user(user, invoice_id))


@router.post(
    "/invoices/{invoice_id}/issue",
    response={200: InvoiceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="issue_invoice",
)
def issue_invoice(request: HttpRequest, invoice_id: InvoiceId) -> InvoiceOut:
    user = acting_user(request)
    require_billing_reader(user)
    document = invoicing.get_document_for_user(user, invoice_id)
    return invoice_out(invoicing.issue_document(by=user, document=document))


@router.post(
    "/invoices/{invoice_id}/credit-note",
    response={201: InvoiceOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_credit_note",
)
def create_credit_note(
    request: HttpRequest, invoice_id: InvoiceId, body: CreditNoteIn
) -> Status[InvoiceOut]:
    user = acting_user(request)
    require_billing_reader(user)
    invoice = invoicing.get_document_for_user(user, invoice_id)
    note = invoicing.credit_invoice(by=user, invoice=invoice, reason=body.reason)
    return Status(201, invoice_out(note))


@router.delete(
    "/invoices/{invoice_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    operation_id="delete_invoice",
)
def delete_invoice(request: HttpRequest, invoice_id: InvoiceId) -> Status[None]:
    user = acting_user(request)
    require_billing_reader(user)
    document = invoicing.get_document_for_user(user, invoice_id)
    invoicing.delete_document(by=user, document=document)
    return Status(204, None)


# ---- personal-funds contract ------------------------------------------------------------------


class InstalmentIn(InputSchema):
    due_on: dt.date
    amount: Money
    milestone: str = Field("", max_length=200)


class InstalmentsIn(InputSchema):
    instalments: list[InstalmentIn] = Field(min_length=1, max_length=contracts.MAX_INSTALMENTS)


class ContractIn(InputSchema):
    price: Money
    signed_on: dt.date | None = Field(None, description="Today when not given.")


class InstalmentOut(Schema):
    due_on: dt.date
    amount: str
    milestone: str


class ContractEventOut(Schema):
    action: str
    at: dt.datetime
    detail: str


class ContractOut(Schema):
    bilan_id: int
    price: str
    signed_on: dt.date
    withdrawal_days: int
    withdrawal_ends_on: dt.date
    in_withdrawal_period: bool
    first_instalment_max: str
    rule_source: str
    terms_of_sale: str
    mediator: str
    status: ContractStatus
    withdrawn_at: dt.datetime | None
    instalments: list[InstalmentOut]
    events: list[ContractEventOut]


def contract_out(contract: PersonalFundsContract) -> ContractOut:
    return ContractOut(
        bilan_id=contract.bilan_id,
        price=money(contract.price),
        signed_on=contract.signed_on,
        withdrawal_days=contract.withdrawal_days,
        withdrawal_ends_on=contract.withdrawal_ends_on,
        in_withdrawal_period=contract.status == ContractStatus.SIGNED
        and contract.in_withdrawal_period(timezone.localdate()),
        first_instalment_max=money(contract.first_instalment_max),
        rule_source=contract.rule_source,
        terms_of_sale=contract.terms_of_sale,
        mediator=contract.mediator,
        status=ContractStatus(contract.status),
        withdrawn_at=contract.withdrawn_at,
        instalments=[
            InstalmentOut(due_on=i.due_on, amount=money(i.amount), milestone=i.milestone)
            for i in contract.instalments.all()
        ],
        events=[
            ContractEventOut(action=e.action, at=e.at, detail=e.detail)
            for e in contract.events.all()
        ],
    )


@router.get(
    "/bilans/{bilan_id}/personal-contract",
    response={200: ContractOut, **errors(401, 403, 404, 422)},
    operation_id="get_personal_contract",
)
def get_personal_contract(request: HttpRequest, bilan_id: BilanId) -> ContractOut:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return contract_out(contracts.contract_for_user(user, bilan))


@router.post(
    "/bilans/{bilan_id}/personal-contract",
    response={201: ContractOut, **errors(401, 403, 404, 409, 422)},
    operation_id="create_personal_contract",
)
def create_personal_contract(
    request: HttpRequest, bilan_id: BilanId, body: ContractIn
) -> Status[ContractOut]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    contract = contracts.create_contract(
        by=user, bilan=bilan, price=Decimal(body.price), signed_on=body.signed_on
    )
    return Status(201, contract_out(contract))


@router.put(
    "/bilans/{bilan_id}/personal-contract/instalments",
    response={200: ContractOut, **errors(401, 403, 404, 409, 422)},
    operation_id="set_instalments",
)
def set_instalments(request: HttpRequest, bilan_id: BilanId, body: InstalmentsIn) -> ContractOut:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    contract = contracts.contract_for_user(user, bilan)
    contracts.set_schedule(
        by=user,
        contract=contract,
        instalments=[
            contracts.InstalmentData(
                due_on=i.due_on, amount=Decimal(i.amount), milestone=i.milestone
            )
            for i in body.instalments
        ],
    )
    return contract_out(contract)


@router.post(
    "/bilans/{bilan_id}/personal-contract/withdraw",
    response={200: ContractOut, **errors(401, 403, 404, 409, 422)},
    operation_id="withdraw_personal_contract",
)
def withdraw_personal_contract(request: HttpRequest, bilan_id: BilanId) -> ContractOut:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    contract = contracts.contract_for_user(user, bilan)
    return contract_out(contracts.withdraw(by=user, contract=contract))


# ---- BPF --------------------------------------------------------------------------------------


class FunderRevenueOut(Schema):
    payer_kind: PayerKind
    label: str
    total_ht: str
    pieces: list[str] = Field(description="Invoice and credit-note numbers.")


class BpfBilanOut(Schema):
    reference: str
    funding_route: str
    closed_on: dt.date
    accompaniment_minutes: int


class BpfOut(Schema):
    year: int
    beneficiaries: int
    bilans: int
    accompaniment_minutes: int
    accompaniment_hours: str
    total_revenue_ht: str
    revenue: list[FunderRevenueOut]
    drill_down: list[BpfBilanOut]


def bpf_out(figures: bpf.Bpf) -> BpfOut:
    return BpfOut(
        year=figures.year,
        beneficiaries=figures.beneficiaries,
        bilans=figures.bilans,
        accompaniment_minutes=figures.accompaniment_minutes,
        accompaniment_hours=money(figures.accompaniment_hours),
        total_revenue_ht=money(figures.total_revenue),
        revenue=[
            FunderRevenueOut(
                payer_kind=PayerKind(r.payer_kind),
                label=r.label,
                total_ht=money(r.total_ht),
                pieces=[p.number for p in r.pieces],
            )
            for r in figures.revenue
        ],
        drill_down=[
            BpfBilanOut(
                reference=b.reference,
                funding_route=b.funding_route,
                closed_on=b.closed_on,
                accompaniment_minutes=b.accompaniment_minutes,
            )
            for b in figures.bilan_rows
        ],
    )


@router.get("/bpf", response={200: BpfOut, **errors(401, 403, 422)}, operation_id="get_bpf")
def get_bpf(
    request: HttpRequest, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> BpfOut:
    membership = invoicing.require_biller_membership(acting_user(request))
    return bpf_out(bpf.compute(membership.organisation, year or timezone.localdate().year))
