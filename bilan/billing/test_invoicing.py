"""Quotes, invoices and credit notes: the legal mentions that block issuing, gapless numbers
per organisation, kind and year (also under 20 concurrent issues), frozen issued pieces,
credit notes instead of deletions, and a PDF that says what the law asks and no content."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from pypdf import PdfReader

from bilan.accounts.models import ApiToken
from bilan.bilans.content import content_models
from bilan.bilans.models import Bilan, BilanFraming, RuleViolation
from bilan.billing import invoicing
from bilan.billing.models import (
    BillingProfile,
    BillingRule,
    DocumentKind,
    Invoice,
    InvoiceLine,
    PayerKind,
    VatStatus,
)
from bilan.billing.testing import complete_profile, draft

DAY = dt.date(2026, 3, 16)
CONTENT_MARKER = "MARQUEUR-CONTENU-7731"


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_new_profile_is_prefilled_from_the_organisation(cast: SimpleNamespace) -> None:
    profile = BillingProfile.for_organisation(cast.org)
    assert (profile.legal_name, profile.siret, profile.nda) == (
        cast.org.name,
        cast.org.siret,
        cast.org.nda,
    )


def test_missing_mentions_block_issuing_with_a_french_message_and_give_no_number(
    cast: SimpleNamespace,
) -> None:
    document = draft(cast.bilan, cast.admin)
    with pytest.raises(RuleViolation) as refused:
        invoicing.issue_document(by=cast.admin, document=document, today=DAY)
    message = " ".join(refused.value.messages)
    assert "l'adresse" in message and "le régime de TVA" in message
    assert "L441-9" in message
    document.refresh_from_db()
    assert document.number == "" and not document.is_issued
    complete_profile(cast.org)
    assert invoicing.issue_document(by=cast.admin, document=document, today=DAY).number == (
        "F-2026-0001"
    )


def test_an_exempt_organisation_must_cite_its_exemption_article(billing: SimpleNamespace) -> None:
    billing.profile.vat_exemption_article = ""
    billing.profile.save()
    assert billing.profile.missing_mentions() == ["l'article d'exonération de TVA"]
    billing.profile.vat_exemption_article = "art. 261-4-4° a du CGI"
    assert billing.profile.vat_mention() == "TVA non applicable, art. 261-4-4° a du CGI"


def test_a_vat_subject_organisation_needs_its_vat_number_and_charges_vat(
    billing: SimpleNamespace,
) -> None:
    billing.profile.vat_status = VatStatus.SUBJECT
    billing.profile.save()
    assert billing.profile.missing_mentions() == ["le numéro de TVA intracommunautaire"]
    billing.profile.vat_number = "FR12345678901"
    billing.profile.save()
    issued = invoicing.issue_document(
        by=billing.admin, document=draft(billing.bilan, billing.admin, price="1500.00"), today=DAY
    )
    assert (issued.total_ht, issued.total_vat, issued.total_ttc) == (
        Decimal("1500.00"),
        Decimal("300.00"),
        Decimal("1800.00"),
    )
    assert "FR12345678901" in issued.vat_mention


def test_numbers_follow_without_gaps_per_organisation_kind_and_year(
    billing: SimpleNamespace,
) -> None:
    admin, bilan = billing.admin, billing.bilan

    def issue(kind: str = DocumentKind.INVOICE, day: dt.date = DAY, b: Bilan = bilan) -> str:
        return invoicing.issue_document(
            by=admin, document=draft(b, admin, kind=kind), today=day
        ).number

    assert [issue(), issue(), issue()] == ["F-2026-0001", "F-2026-0002", "F-2026-0003"]
    assert issue(DocumentKind.QUOTE) == "D-2026-0001"
    assert issue(day=dt.date(2027, 1, 2)) == "F-2027-0001"
    # A refused issue (here: already issued) gives no number away.
    first = Invoice.objects.get(number="F-2026-0001")
    with pytest.raises(RuleViolation):
        invoicing.issue_document(by=admin, document=first, today=DAY)
    assert issue() == "F-2026-0004"
    # Another organisation has its own series.
    complete_profile(billing.outsider_org)
    other = invoicing.issue_document(
        by=billing.outsider_admin,
        document=draft(billing.outsider_bilan, billing.outsider_admin),
        today=DAY,
    )
    assert other.number == "F-2026-0001"


def test_an_issued_invoice_is_frozen_and_its_deletion_refused_with_the_rule(
    billing: SimpleNamespace,
) -> None:
    issued = invoicing.issue_document(
        by=billing.admin, document=draft(billing.bilan, billing.admin), today=DAY
    )
    issued.payer_name = "Quelqu'un d'autre"
    with pytest.raises(RuleViolation, match="avoir"):
        issued.save()
    with pytest.raises(RuleViolation, match="242 nonies A"):
        invoicing.delete_document(by=billing.admin, document=issued)
    with pytest.raises(RuleViolation):
        issued.delete()
    with pytest.raises(RuleViolation):
        Invoice.objects.filter(pk=issued.pk).delete()
    with pytest.raises(RuleViolation):
        Invoice.objects.filter(pk=issued.pk).update(total_ht=Decimal("1"))
    with pytest.raises(RuleViolation):
        InvoiceLine.objects.filter(invoice=issued).update(unit_price=Decimal("1"))
    with pytest.raises(RuleViolation):
        InvoiceLine.objects.filter(invoice=issued).delete()
    line = issued.lines.get()
    line.unit_price = Decimal("1.00")
    with pytest.raises(RuleViolation):
        line.save()
    with pytest.raises(RuleViolation):
        InvoiceLine(invoice=issued, label="Ajout", unit_price=Decimal("5")).save()
    stored = Invoice.objects.get(pk=issued.pk)
    assert (stored.payer_name, stored.total_ht) == ("OPCO Atlas", Decimal("1800.00"))


def test_a_draft_may_be_deleted_it_has_no_number(billing: SimpleNamespace) -> None:
    document = draft(billing.bilan, billing.admin)
    invoicing.delete_document(by=billing.admin, document=document)
    assert not Invoice.objects.exists()


def test_a_credit_note_cancels_an_issued_invoice_with_its_own_number(
    billing: SimpleNamespace,
) -> None:
    invoice = invoicing.issue_document(
        by=billing.admin, document=draft(billing.bilan, billing.admin), today=DAY
    )
    note = invoicing.credit_invoice(
        by=billing.admin, invoice=invoice, reason="Bilan interrompu", today=DAY
    )
    assert note.number == "A-2026-0001"
    assert note.kind == DocumentKind.CREDIT_NOTE and note.credited_invoice_id == invoice.pk
    assert note.total_ttc == invoice.total_ttc == Decimal("1800.00")
    assert invoice.credited_amount() == Decimal("1800.00")
    with pytest.raises(RuleViolation, match="déjà annulée"):
        invoicing.credit_invoice(by=billing.admin, invoice=invoice, reason="Encore", today=DAY)
    quote = invoicing.issue_document(
        by=billing.admin,
        document=draft(billing.bilan, billing.admin, kind=DocumentKind.QUOTE),
        today=DAY,
    )
    with pytest.raises(RuleViolation, match="facture émise"):
        invoicing.credit_invoice(by=billing.admin, invoice=quote, reason="Non", today=DAY)


def test_only_the_administration_bills(billing: SimpleNamespace) -> None:
    for who in ("consultant", "beneficiary", "outsider_admin"):
        with pytest.raises(RuleViolation) as refused:
            draft(billing.bilan, getattr(billing, who))
        assert refused.value.code == "forbidden"
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "au moins une ligne"),
        ([invoicing.LineData(" ", Decimal("1"), Decimal("10"))], "désignation"),
        ([invoicing.LineData("Bilan", Decimal("1"), Decimal("-10"))], "positifs"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(
    billing: SimpleNamespace, lines: list[invoicing.LineData], message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        invoicing.create_document(
            by=billing.admin,
            bilan=billing.bilan,
            kind=DocumentKind.INVOICE,
            payer_kind=PayerKind.OPCO,
            payer_name="OPCO",
            payer_address="Paris",
            lines=lines,
        )
    assert not Invoice.objects.exists()


def test_the_pdf_carries_the_legal_mentions_and_no_bilan_content(
    billing: SimpleNamespace,
) -> None:
    framing = BilanFraming.objects.get(bilan=billing.bilan)  # through the fields: encrypted
    framing.request_text = framing.needs_analysis = CONTENT_MARKER
    framing.save(update_fields=["request_text", "needs_analysis"])
    BillingRule.objects.update(recovery_indemnity=Decimal("40.00"))
    issued = invoicing.issue_document(
        by=billing.admin, document=draft(billing.bilan, billing.admin), today=DAY
    )
    text = pdf_text(invoicing.document_pdf(Invoice.objects.get(pk=issued.pk)))
    for mention in (
        "F-2026-0001",
        "73282932000074",  # SIRET
        "11755555575",  # NDA
        "TVA non applicable, art. 261-4-4° a du CGI",
        "Date d'échéance : 15/04/2026",  # 30 days
        "pénalités de retard",
        "trois fois le taux d'intérêt légal",
        "40,00 €",
        "D441-5",
        "OPCO Atlas",
        "1800,00 €",
    ):
        assert mention.replace(" ", " ") in text.replace("\u202f", " ").replace("\xa0", " "), (
            mention
        )
    assert CONTENT_MARKER not in text


def test_the_pdf_facts_hold_administrative_fields_only(billing: SimpleNamespace) -> None:
    issued = invoicing.issue_document(
        by=billing.admin, document=draft(billing.bilan, billing.admin), today=DAY
    )
    keys = set(invoicing.facts(issued))
    assert not keys & {"request_text", "needs_analysis", "agreed_arrangements", "notes"}


def test_a_draft_has_no_pdf(billing: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="émise"):
        invoicing.document_pdf(draft(billing.bilan, billing.admin))


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issue_requests_get_twenty_distinct_gapless_numbers(
    cast: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """On PostgreSQL, 20 threads issue 20 drafts through the API at once (a barrier releases
    them together); on SQLite, whose test database is one in-memory connection, the same 20
    requests run one after the other. Either way: 20 numbers, no duplicate, no gap."""
    complete_profile(cast.org)
    token = ApiToken.issue(cast.admin)
    drafts = [draft(cast.bilan, cast.admin).pk for _ in range(20)]
    statuses: list[int] = []
    concurrent = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(drafts)) if concurrent else None

    def issue(pk: int) -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            response = Client().post(
                f"/api/v1/invoices/{pk}/issue", HTTP_AUTHORIZATION=f"Bearer {token}"
            )
            statuses.append(response.status_code)
        finally:
            if concurrent:
                connection.close()

    started = time.monotonic()
    if concurrent:
        threads = [threading.Thread(target=issue, args=(pk,)) for pk in drafts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    else:
        for pk in drafts:
            issue(pk)
    elapsed = time.monotonic() - started
    numbers = list(Invoice.objects.issued().values_list("number", flat=True))
    year = Invoice.objects.issued().first().year  # type: ignore[union-attr]
    duplicates = len(numbers) - len(set(numbers))
    with capsys.disabled():
        print(
            f"\n{len(drafts)} issue requests on {connection.vendor} "
            f"({'concurrent' if concurrent else 'serial'}): {elapsed:.2f} s, "
            f"statuses {sorted(set(statuses))}, {duplicates} duplicates"
        )
    assert statuses == [200] * 20
    assert duplicates == 0
    assert sorted(numbers) == [f"F-{year}-{i:04d}" for i in range(1, 21)]


def test_billing_models_are_administration_not_bilan_content() -> None:
    billing_models = list(apps.get_app_config("billing").get_models())
    assert billing_models and not set(billing_models) & set(content_models())
