"""The BPF's bilan line (REQ-33): beneficiaries and accompaniment hours of the bilans ended in
the fiscal year (from the hours ledger), revenue by funder type from the invoices issued in it
less its credit notes; a CSV; a drill-down by reference with no content."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from bilan.bilans.models import BilanFraming, Status
from bilan.billing import bpf, invoicing
from bilan.billing.models import DocumentKind, PayerKind
from bilan.billing.testing import draft
from bilan.demo.scenario import advance_to
from bilan.lib.testing import PASSWORD

MARKER = "MARQUEUR-CONTENU-BPF-5521"


@pytest.fixture
def year_of_activity(billing: SimpleNamespace) -> SimpleNamespace:
    c = billing
    advance_to(c.bilan, Status.CLOSED)
    framing = BilanFraming.objects.get(bilan=c.bilan)  # through the fields: encrypted at rest
    framing.needs_analysis = framing.request_text = MARKER
    framing.save(update_fields=["needs_analysis", "request_text"])
    today = timezone.localdate()
    c.opco = invoicing.issue_document(by=c.admin, document=draft(c.bilan, c.admin), today=today)
    personal = invoicing.create_document(
        by=c.admin,
        bilan=c.other_bilan,
        kind=DocumentKind.INVOICE,
        payer_kind=PayerKind.BENEFICIARY,
        payer_name="Olga Autre",
        payer_address="3 rue Neuve, Lyon",
        lines=[invoicing.LineData("Bilan", Decimal("1"), Decimal("500"))],
    )
    personal = invoicing.issue_document(by=c.admin, document=personal, today=today)
    invoicing.credit_invoice(by=c.admin, invoice=personal, reason="Rétractation", today=today)
    # Not revenue of the year: last year's invoice, a quote, a draft.
    invoicing.issue_document(
        by=c.admin, document=draft(c.bilan, c.admin), today=dt.date(today.year - 1, 12, 31)
    )
    invoicing.issue_document(
        by=c.admin, document=draft(c.bilan, c.admin, kind=DocumentKind.QUOTE), today=today
    )
    draft(c.bilan, c.admin)
    c.year = today.year
    return c


def test_the_figures_of_the_year(year_of_activity: SimpleNamespace) -> None:
    c = year_of_activity
    figures = bpf.compute(c.org, c.year)
    assert (figures.beneficiaries, figures.bilans) == (1, 1)
    assert figures.accompaniment_minutes == c.bilan.budget().delivered_accompaniment == 1050
    assert figures.accompaniment_hours == Decimal("17.50")
    by_kind = {r.payer_kind: r.total_ht for r in figures.revenue}
    assert by_kind[PayerKind.OPCO] == Decimal("1800.00")
    assert by_kind[PayerKind.BENEFICIARY] == Decimal("0.00")
    assert by_kind[PayerKind.CPF] == Decimal("0")
    assert figures.total_revenue == Decimal("1800.00")
    assert [r.reference for r in figures.bilan_rows] == [c.bilan.reference]


def test_the_previous_year_has_its_own_figures(year_of_activity: SimpleNamespace) -> None:
    c = year_of_activity
    figures = bpf.compute(c.org, c.year - 1)
    assert (figures.bilans, figures.accompaniment_minutes) == (0, 0)
    assert figures.total_revenue == Decimal("1800.00")


def test_another_organisation_sees_none_of_it(year_of_activity: SimpleNamespace) -> None:
    figures = bpf.compute(year_of_activity.outsider_org, year_of_activity.year)
    assert (figures.bilans, figures.total_revenue) == (0, Decimal("0"))


def test_the_csv_and_the_page_drill_down_show_figures_and_references_only(
    year_of_activity: SimpleNamespace,
) -> None:
    c = year_of_activity
    text = bpf.to_csv(bpf.compute(c.org, c.year))
    assert f"{c.year};Heures d'accompagnement;17.50" in text
    assert f"{c.year};Produits HT — OPCO;1800.00" in text
    client = Client()
    client.login(username=c.admin.email, password=PASSWORD)
    page = client.get(f"/facturation/bpf/?annee={c.year}")
    assert page.status_code == 200
    html = page.content.decode()
    assert c.bilan.reference in html and c.opco.number in html
    assert MARKER not in html
    csv_response = client.get(f"/facturation/bpf.csv?annee={c.year}")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert MARKER not in csv_response.content.decode()
