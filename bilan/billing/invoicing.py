"""The owner of quotes, invoices and credit notes (issue 13): who may bill, what an invoice
must say, its number, its freezing at issue, and the credit note that replaces a deletion.

- Only the organisation's administration bills (`require_biller`); a beneficiary reads the
  issued pieces she pays herself; consultants do not reach billing (administration, not the
  accompaniment).
- A draft has no number. `issue_document` checks the legal mentions (BillingProfile), then
  takes the next number of the series (organisation, kind, year) inside one transaction, with
  the counter row locked (select_for_update): numbers follow without gaps nor duplicates,
  and a refused or failed issue gives no number away.
- An issued piece is frozen (the models refuse any save or delete); a credit note cancels it.
- Its PDF is built from `facts` only: administrative fields, never any content of the bilan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, RuleViolation, check_date
from bilan.billing.models import (
    CENT,
    IMMUTABLE_MESSAGE,
    NUMBER_PREFIX,
    BillingProfile,
    BillingRule,
    DocumentKind,
    DocumentStatus,
    Invoice,
    InvoiceLine,
    NumberCounter,
    PayerKind,
)
from bilan.lib.render import render_pdf
from bilan.organisations.models import Membership, Organisation, Role

MAX_LINES = 50
MAX_AMOUNT = Decimal("999999.99")


@dataclass(frozen=True)
class LineData:
    label: str
    quantity: Decimal
    unit_price: Decimal


def membership_of(user: User) -> Membership | None:
    membership: Membership | None = getattr(user, "membership", None)
    return membership


def require_biller(user: User, organisation_id: int) -> Membership:
    """The administration of the organisation bills; anyone else is refused (403)."""
    membership = membership_of(user)
    if (
        membership is None
        or membership.organisation_id != organisation_id
        or membership.role != Role.ADMIN
    ):
        raise RuleViolation(
            _t("Seule l'administration de l'organisme établit devis, factures et avoirs."),
            code="forbidden",
        )
    return membership


def documents_for(user: User) -> QuerySet[Invoice]:
    """The pieces `user` may read: all of her organisation's for the administration, the
    issued ones addressed to her for a beneficiary, none for anyone else."""
    membership = membership_of(user)
    qs = Invoice.objects.select_related("bilan", "credited_invoice")
    if membership is None:
        return qs.none()
    qs = qs.of_organisation(membership.organisation_id)
    if membership.role == Role.ADMIN:
        return qs
    if membership.role == Role.BENEFICIARY:
        return qs.addressed_to(user)
    return qs.none()


def get_document_for_user(user: User, pk: int) -> Invoice:
    """One piece `user` may read, else 404 (its existence is not disclosed)."""
    try:
        return documents_for(user).get(pk=pk)
    except (Invoice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def clean_lines(lines: list[LineData]) -> list[LineData]:
    if not lines:
        raise RuleViolation(_t("Ajoutez au moins une ligne."), code="invalid")
    if len(lines) > MAX_LINES:
        raise RuleViolation(
            _t("%(max)s lignes au plus par pièce.") % {"max": MAX_LINES}, code="invalid"
        )
    cleaned = []
    for line in lines:
        label = line.label.strip()
        if not label:
            raise RuleViolation(_t("Chaque ligne a une désignation."), code="invalid")
        quantity = Decimal(line.quantity).quantize(CENT)
        unit_price = Decimal(line.unit_price).quantize(CENT)
        if quantity <= 0 or unit_price <= 0:
            raise RuleViolation(
                _t("Quantité et prix unitaire sont positifs (un avoir annule une facture)."),
                code="invalid",
            )
        if quantity * unit_price > MAX_AMOUNT:
            raise RuleViolation(_t("Montant de ligne trop élevé."), code="invalid")
        cleaned.append(LineData(label=label[:300], quantity=quantity, unit_price=unit_price))
    return cleaned


def create_document(
    *,
    by: User,
    bilan: Bilan,
    kind: str,
    payer_kind: str,
    payer_name: str,
    payer_address: str,
    payer_reference: str = "",
    lines: list[LineData],
) -> Invoice:
    """A draft quote or invoice for `bilan`, addressed to its payer (no number yet)."""
    require_biller(by, bilan.organisation_id)
    if kind not in (DocumentKind.QUOTE, DocumentKind.INVOICE):
        raise RuleViolation(
            _t("Un avoir s'établit depuis la facture qu'il annule."), code="invalid"
        )
    if payer_kind not in PayerKind.values:
        raise RuleViolation(_t("Type de payeur inconnu."), code="invalid")
    if not payer_name.strip() or not payer_address.strip():
        raise RuleViolation(
            _t(
                "Le nom et l'adresse du payeur sont des mentions obligatoires (art. L441-9 C. com.)."
            ),
            code="invalid",
        )
    cleaned = clean_lines(lines)
    with transaction.atomic():
        document = Invoice.objects.create(
            organisation_id=bilan.organisation_id,
            bilan=bilan,
            kind=kind,
            payer_kind=payer_kind,
            payer_name=payer_name.strip()[:200],
            payer_address=payer_address.strip(),
            payer_reference=payer_reference.strip()[:100],
            created_by=by,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=document,
                label=line.label,
                quantity=line.quantity,
                unit_price=line.unit_price,
                order=i,
            )
            for i, line in enumerate(cleaned)
        )
    return document


def allocate_number(organisation_id: int, kind: str, year: int) -> int:
    """The next number of a series; call inside the issuing transaction. The counter row is
    locked until that transaction ends, so a concurrent issue waits, then takes the next."""
    NumberCounter.objects.get_or_create(organisation_id=organisation_id, kind=kind, year=year)
    counter = NumberCounter.objects.select_for_update().get(
        organisation_id=organisation_id, kind=kind, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_number(kind: str, year: int, sequence: int) -> str:
    return f"{NUMBER_PREFIX[DocumentKind(kind)]}-{year}-{sequence:04d}"


def vat_of(total_ht: Decimal, rate: Decimal) -> Decimal:
    return (total_ht * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def require_mentions(profile: BillingProfile) -> None:
    missing = profile.missing_mentions()
    if missing:
        raise RuleViolation(
            _t(
                "Émission impossible : il manque %(missing)s dans le profil de facturation "
                "(mentions obligatoires, art. L441-9 C. com. et 242 nonies A ann. II CGI)."
            )
            % {"missing": ", ".join(missing)}
        )


def freeze(document: Invoice, profile: BillingProfile, *, by: User, today: dt.date) -> None:
    """Number the piece and copy the seller's mentions into it (the last write it gets)."""
    sequence = allocate_number(document.organisation_id, document.kind, today.year)
    document.year = today.year
    document.sequence = sequence
    document.number = format_number(document.kind, today.year, sequence)
    document.status = DocumentStatus.ISSUED
    document.issued_on = today
    document.issued_by = by
    document.seller_name = profile.legal_name
    document.seller_siret = profile.siret
    document.seller_nda = profile.nda
    document.seller_address = profile.address
    rule = BillingRule.in_force(profile.organisation, today)
    document.late_penalty_rate = profile.late_penalty_rate
    document.recovery_indemnity = rule.recovery_indemnity
    document.save()


def issue_document(*, by: User, document: Invoice, today: dt.date | None = None) -> Invoice:
    """Issue a draft quote or invoice: legal mentions checked, next number, frozen."""
    require_biller(by, document.organisation_id)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=document.pk)
        if locked.is_issued:
            raise RuleViolation(
                _t("Cette pièce est déjà émise sous le numéro %(number)s.")
                % {"number": locked.number}
            )
        profile = BillingProfile.for_organisation(locked.organisation)
        require_mentions(profile)
        lines = list(locked.lines.all())
        if not lines:
            raise RuleViolation(_t("Une pièce sans ligne ne s'émet pas."))
        total_ht = sum((line.total for line in lines), Decimal("0"))
        locked.vat_rate = profile.effective_vat_rate
        locked.vat_mention = profile.vat_mention()
        locked.total_ht = total_ht
        locked.total_vat = vat_of(total_ht, locked.vat_rate)
        locked.total_ttc = total_ht + locked.total_vat
        if locked.kind == DocumentKind.INVOICE:
            locked.due_on = today + dt.timedelta(days=profile.payment_terms_days)
        freeze(locked, profile, by=by, today=today)
    return locked


def credit_invoice(
    *, by: User, invoice: Invoice, reason: str, today: dt.date | None = None
) -> Invoice:
    """The credit note cancelling an issued invoice in full, issued at once with its own
    number (series A): the invoice itself stays as it was issued."""
    require_biller(by, invoice.organisation_id)
    today = today or timezone.localdate()
    reason = reason.strip()
    if not reason:
        raise RuleViolation(_t("Indiquez le motif de l'avoir."), code="invalid")
    with transaction.atomic():
        original = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if original.kind != DocumentKind.INVOICE or not original.is_issued:
            raise RuleViolation(_t("Un avoir annule une facture émise."))
        if original.credit_notes.issued().exists():
            raise RuleViolation(
                _t("La facture %(number)s est déjà annulée par un avoir.")
                % {"number": original.number}
            )
        profile = BillingProfile.for_organisation(original.organisation)
        require_mentions(profile)
        note = Invoice.objects.create(
            organisation_id=original.organisation_id,
            bilan_id=original.bilan_id,
            kind=DocumentKind.CREDIT_NOTE,
            payer_kind=original.payer_kind,
            payer_name=original.payer_name,
            payer_address=original.payer_address,
            payer_reference=original.payer_reference,
            credited_invoice=original,
            reason=reason[:300],
            created_by=by,
            vat_rate=original.vat_rate,
            vat_mention=original.vat_mention,
            total_ht=original.total_ht,
            total_vat=original.total_vat,
            total_ttc=original.total_ttc,
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=note,
                label=line.label,
                quantity=line.quantity,
                unit_price=line.unit_price,
                order=line.order,
            )
            for line in original.lines.all()
        )
        freeze(note, profile, by=by, today=today)
    return note


def delete_document(*, by: User, document: Invoice) -> None:
    """A draft may be deleted (it has no number); an issued piece never: a credit note."""
    require_biller(by, document.organisation_id)
    if document.is_issued:
        raise RuleViolation(str(IMMUTABLE_MESSAGE))
    document.delete()


# ---- the PDF ---------------------------------------------------------------------------------


def facts(document: Invoice) -> dict[str, Any]:
    """Everything the PDF says, and nothing more: administrative fields only."""
    bilan = document.bilan
    return {
        "kind": document.kind,
        "kind_label": str(document.get_kind_display()),
        "number": document.number,
        "issued_on": document.issued_on,
        "due_on": document.due_on,
        "seller_name": document.seller_name,
        "seller_siret": document.seller_siret,
        "seller_nda": document.seller_nda,
        "seller_address": document.seller_address,
        "payer_kind": str(document.get_payer_kind_display()),
        "payer_name": document.payer_name,
        "payer_address": document.payer_address,
        "payer_reference": document.payer_reference,
        "bilan_reference": bilan.reference,
        "beneficiary_name": bilan.beneficiary.get_full_name(),
        "lines": [
            {
                "label": line.label,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "total": line.total,
            }
            for line in document.lines.all()
        ],
        "total_ht": document.total_ht,
        "total_vat": document.total_vat,
        "total_ttc": document.total_ttc,
        "vat_rate": document.vat_rate,
        "vat_mention": document.vat_mention,
        "late_penalty_rate": document.late_penalty_rate,
        "recovery_indemnity": document.recovery_indemnity,
        "credited_number": document.credited_invoice.number if document.credited_invoice else "",
        "reason": document.reason,
        # The €40 indemnity is owed between professionals only (L441-10 C. com.).
        "professional_payer": document.payer_kind != PayerKind.BENEFICIARY,
    }


def document_pdf(document: Invoice) -> bytes:
    if not document.is_issued:
        raise RuleViolation(_t("Le PDF d'une pièce s'obtient une fois émise (numérotée)."))
    c = facts(document)
    title = f"{c['kind_label'].capitalize()} {c['number']}"
    return render_pdf(
        "billing/invoice_pdf.html",
        {"c": c},
        title=title,
        author=c["seller_name"],
        footer=f"{c['seller_name']} — {title}",
    )


def filename(document: Invoice) -> str:
    return f"{document.number or 'brouillon'}.pdf"


def organisation_of(user: User) -> Organisation:
    membership = require_biller_membership(user)
    return membership.organisation


def require_biller_membership(user: User) -> Membership:
    membership = membership_of(user)
    if membership is None or membership.role != Role.ADMIN:
        raise RuleViolation(
            _t("Seule l'administration de l'organisme gère la facturation."), code="forbidden"
        )
    return membership


def update_profile(*, by: User, fields: dict[str, Any]) -> BillingProfile:
    """Rewrite the billing profile of `by`'s organisation (administration only); a refused
    value saves nothing."""
    membership = require_biller_membership(by)
    profile = BillingProfile.for_organisation(membership.organisation)
    for name, value in fields.items():
        setattr(profile, name, value)
    try:
        profile.full_clean(exclude=["organisation"])
    except ValidationError as error:
        raise RuleViolation(
            " ".join(f"{k} : {' '.join(v)}" for k, v in error.message_dict.items()),
            code="invalid",
        ) from error
    profile.save()
    return profile


def add_rule(*, by: User, valid_from: dt.date, withdrawal_days: int, source: str) -> BillingRule:
    """The organisation's own dated withdrawal period (longer than the law's, say); the other
    values follow the rule in force that day. Its administration chose it: not « à vérifier »."""
    membership = require_biller_membership(by)
    check_date(valid_from, label=_t("Date d'entrée en vigueur"))
    if not 10 <= withdrawal_days <= 60:
        raise RuleViolation(
            _t("Le délai de rétractation compte de 10 à 60 jours (art. L6353-5 C. trav.)."),
            code="invalid",
        )
    current = BillingRule.in_force(membership.organisation, valid_from)
    with transaction.atomic():
        if BillingRule.objects.filter(
            organisation=membership.organisation, valid_from=valid_from
        ).exists():
            raise RuleViolation(_t("Une règle existe déjà à cette date."))
        return BillingRule.objects.create(
            organisation=membership.organisation,
            valid_from=valid_from,
            withdrawal_days=withdrawal_days,
            first_instalment_max_percent=current.first_instalment_max_percent,
            recovery_indemnity=current.recovery_indemnity,
            source=source.strip()[:300] or current.source,
            to_verify=False,
        )
