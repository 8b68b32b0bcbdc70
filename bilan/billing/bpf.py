"""The bilan line of the bilan pédagogique et financier (REQ-33, L6352-11 C. trav.): for a
fiscal year, the number of beneficiaries, the hours of accompaniment and the revenue by
funder type, with a drill-down that names bilans by reference only (never any content).

Counting rule (one, so no hour is counted twice across years): a bilan belongs to the fiscal
year in which it ended (closed_on), and its hours are its delivered accompaniment from the
hours ledger (`Bilan.budget()`). Revenue is the invoices issued in the year (HT) less the
credit notes issued in the year, by the payer's type.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _t

from bilan.bilans.models import Bilan
from bilan.billing.models import DocumentKind, Invoice, PayerKind
from bilan.organisations.models import Organisation


@dataclass(frozen=True)
class BilanRow:
    reference: str
    funding_route: str
    closed_on: dt.date
    accompaniment_minutes: int


@dataclass(frozen=True)
class RevenueRow:
    number: str
    kind: str
    issued_on: dt.date
    bilan_reference: str
    amount_ht: Decimal  # negative for a credit note


@dataclass
class FunderRevenue:
    payer_kind: str
    label: str
    total_ht: Decimal = Decimal("0")
    pieces: list[RevenueRow] = field(default_factory=list)


@dataclass(frozen=True)
class Bpf:
    year: int
    beneficiaries: int
    bilans: int
    accompaniment_minutes: int
    revenue: list[FunderRevenue]
    bilan_rows: list[BilanRow]

    @property
    def accompaniment_hours(self) -> Decimal:
        return (Decimal(self.accompaniment_minutes) / 60).quantize(Decimal("0.01"))

    @property
    def total_revenue(self) -> Decimal:
        return sum((r.total_ht for r in self.revenue), Decimal("0"))


def compute(organisation: Organisation, year: int) -> Bpf:
    bilans = list(
        Bilan.objects.filter(organisation=organisation, closed_on__year=year)
        .with_hours()
        .select_related("organisation")
        .order_by("closed_on", "id")
    )
    rows = []
    for bilan in bilans:
        assert bilan.closed_on is not None  # filtered on its year
        rows.append(
            BilanRow(
                reference=bilan.reference,
                funding_route=str(bilan.get_funding_route_display()),
                closed_on=bilan.closed_on,
                accompaniment_minutes=bilan.budget().delivered_accompaniment,
            )
        )
    revenue = {
        kind: FunderRevenue(payer_kind=kind, label=str(label)) for kind, label in PayerKind.choices
    }
    pieces = (
        Invoice.objects.issued()
        .of_organisation(organisation.pk)
        .filter(issued_on__year=year, kind__in=[DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE])
        .select_related("bilan")
        .order_by("issued_on", "number")
    )
    for piece in pieces:
        assert piece.issued_on is not None  # issued
        sign = -1 if piece.kind == DocumentKind.CREDIT_NOTE else 1
        amount = sign * piece.total_ht
        bucket = revenue[piece.payer_kind]
        bucket.total_ht += amount
        bucket.pieces.append(
            RevenueRow(
                number=piece.number,
                kind=str(piece.get_kind_display()),
                issued_on=piece.issued_on,
                bilan_reference=piece.bilan.reference,
                amount_ht=amount,
            )
        )
    return Bpf(
        year=year,
        beneficiaries=len({b.beneficiary_id for b in bilans}),
        bilans=len(bilans),
        accompaniment_minutes=sum(r.accompaniment_minutes for r in rows),
        revenue=list(revenue.values()),
        bilan_rows=rows,
    )


def to_csv(bpf: Bpf) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_t("Exercice"), _t("Rubrique"), _t("Valeur")])
    writer.writerow([bpf.year, _t("Bénéficiaires"), bpf.beneficiaries])
    writer.writerow([bpf.year, _t("Bilans achevés"), bpf.bilans])
    writer.writerow([bpf.year, _t("Heures d'accompagnement"), f"{bpf.accompaniment_hours}"])
    for r in bpf.revenue:
        writer.writerow(
            [bpf.year, _t("Produits HT — %(funder)s") % {"funder": r.label}, f"{r.total_ht:.2f}"]
        )
    writer.writerow([bpf.year, _t("Produits HT — total"), f"{bpf.total_revenue:.2f}"])
    return out.getvalue()
