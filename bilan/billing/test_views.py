"""Billing pages: what each does, and who reaches it — every staff page and portal page for
every role (admin, consultant, colleague, beneficiary, another beneficiary, another
organisation's admin, anonymous). Billing is administration: consultants get 403; a
beneficiary reaches only the pieces addressed to her and her own contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from bilan.billing import contracts, invoicing
from bilan.billing.models import (
    BillingProfile,
    ContractStatus,
    DocumentKind,
    Invoice,
    PayerKind,
    PersonalFundsContract,
)
from bilan.billing.testing import draft
from bilan.lib.testing import PASSWORD

ROLES = [
    "admin",
    "consultant",
    "colleague",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    None,
]


def client_for(c: SimpleNamespace, who: str | None) -> Client:
    client = Client()
    if who:
        assert client.login(username=getattr(c, who).email, password=PASSWORD)
    return client


@pytest.fixture
def world(billing: SimpleNamespace) -> SimpleNamespace:
    c = billing
    c.draft = draft(c.bilan, c.admin)
    personal = invoicing.create_document(
        by=c.admin,
        bilan=c.bilan,
        kind=DocumentKind.INVOICE,
        payer_kind=PayerKind.BENEFICIARY,
        payer_name="Bruno Bénéf",
        payer_address="1 place Bellecour, Lyon",
        lines=[invoicing.LineData("Bilan de compétences", Decimal("1"), Decimal("450"))],
    )
    c.issued = invoicing.issue_document(by=c.admin, document=personal)
    c.contract = contracts.create_contract(
        by=c.admin, bilan=c.bilan, price=Decimal("1500"), signed_on=timezone.localdate()
    )
    return c


def staff_pages(c: SimpleNamespace) -> list[tuple[str, str, dict[str, str], int, int]]:
    """(method, url, data, admin's status, another organisation's admin's status) of every
    staff page, on the cast organisation's objects, in this order (the draft is issued, then
    its deletion refused)."""
    return [
        ("get", "/facturation/profil/", {}, 200, 200),
        ("post", "/facturation/profil/regle/", {"rule-valid_from": "2026-01-01"}, 422, 422),
        ("get", "/facturation/pieces/", {}, 200, 200),
        ("get", "/facturation/pieces/nouvelle/", {}, 200, 200),
        ("post", "/facturation/pieces/nouvelle/", {}, 422, 422),
        ("get", f"/facturation/pieces/{c.draft.pk}/", {}, 200, 404),
        ("post", f"/facturation/pieces/{c.draft.pk}/emettre/", {}, 302, 404),
        ("post", f"/facturation/pieces/{c.issued.pk}/avoir/", {"reason": "Test"}, 302, 404),
        ("post", f"/facturation/pieces/{c.draft.pk}/supprimer/", {}, 409, 404),
        ("get", f"/facturation/pieces/{c.issued.pk}/pdf/", {}, 200, 404),
        ("get", f"/facturation/bilan/{c.bilan.pk}/contrat/", {}, 200, 404),
        ("post", f"/facturation/bilan/{c.bilan.pk}/contrat/nouveau/", {}, 422, 404),
        ("post", f"/facturation/bilan/{c.bilan.pk}/contrat/echeancier/", {}, 422, 404),
        ("get", "/facturation/bpf/", {}, 200, 200),
        ("get", "/facturation/bpf.csv", {}, 200, 200),
    ]


@pytest.mark.parametrize("who", ROLES)
def test_staff_pages_are_for_the_administration_only(world: SimpleNamespace, who: str) -> None:
    client = client_for(world, who)
    for method, url, data, admin, outsider in staff_pages(world):
        response = getattr(client, method)(url, data)
        where = f"{who} {method} {url}"
        if who is None:
            assert response.status_code == 302 and "/compte/" in response["Location"], where
        elif who == "admin":
            assert response.status_code == admin, where
        elif who == "outsider_admin":
            assert response.status_code == outsider, where
        else:
            assert response.status_code == 403, where
    # Nothing of the cast's organisation was touched by anyone but its admin.
    if who != "admin":
        assert list(Invoice.objects.issued().values_list("pk", flat=True)) == [world.issued.pk]
        assert PersonalFundsContract.objects.get().status == ContractStatus.SIGNED


def test_the_outsider_admin_sees_only_her_own_organisation(world: SimpleNamespace) -> None:
    client = client_for(world, "outsider_admin")
    listing = client.get("/facturation/pieces/").content.decode()
    assert world.issued.number not in listing
    form = client.get("/facturation/pieces/nouvelle/").content.decode()
    assert world.bilan.reference not in form
    assert client.get(f"/facturation/pieces/{world.issued.pk}/").status_code == 404


def portal_pages(c: SimpleNamespace) -> list[tuple[str, str]]:
    return [
        ("get", "/espace/factures/"),
        ("get", f"/espace/factures/{c.issued.pk}/pdf/"),
        ("get", "/espace/contrat/"),
        ("post", "/espace/contrat/retractation/"),
    ]


@pytest.mark.parametrize("who", ROLES)
def test_portal_pages_are_the_beneficiarys_own(world: SimpleNamespace, who: str) -> None:
    client = client_for(world, who)
    answers = {url: getattr(client, m)(url).status_code for m, url in portal_pages(world)}
    pdf, withdraw = f"/espace/factures/{world.issued.pk}/pdf/", "/espace/contrat/retractation/"
    if who is None:
        assert set(answers.values()) == {302}
    elif who == "beneficiary":
        assert answers == {
            "/espace/factures/": 200,
            pdf: 200,
            "/espace/contrat/": 200,
            withdraw: 302,
        }
    elif who == "other_beneficiary":
        assert answers == {
            "/espace/factures/": 200,
            pdf: 404,
            "/espace/contrat/": 200,
            withdraw: 404,
        }
    else:
        assert set(answers.values()) == {403}, answers
    withdrawn = PersonalFundsContract.objects.get().status == ContractStatus.WITHDRAWN
    assert withdrawn == (who == "beneficiary")


def test_the_admin_fills_the_profile_and_a_refusal_keeps_what_was_typed(
    world: SimpleNamespace,
) -> None:
    client = client_for(world, "admin")
    data = {
        "legal_name": "Cap Avenir Conseil SAS",
        "siret": "73282932000074",
        "nda": "11755555575",
        "address": "1 rue Neuve, Lyon",
        "vat_status": "exempt",
        "vat_number": "",
        "vat_rate": "20.00",
        "vat_exemption_article": "art. 261-4-4° a du CGI",
        "payment_terms_days": "45",
        "late_penalty_rate": "trois fois le taux d'intérêt légal",
        "terms_of_sale": "CGV",
        "mediator": "Médiateur",
    }
    assert client.post("/facturation/profil/", data).status_code == 302
    profile = BillingProfile.objects.get(organisation=world.org)
    assert (profile.legal_name, profile.payment_terms_days) == ("Cap Avenir Conseil SAS", 45)
    refused = client.post("/facturation/profil/", {**data, "payment_terms_days": "90"})
    assert refused.status_code == 422
    assert "Cap Avenir Conseil SAS" in refused.content.decode()
    assert BillingProfile.objects.get(organisation=world.org).payment_terms_days == 45


def test_the_profile_page_says_which_mentions_are_missing(cast: SimpleNamespace) -> None:
    page = client_for(cast, "admin").get("/facturation/profil/").content.decode()
    assert "Mentions obligatoires manquantes" in page and "le régime de TVA" in page


def test_the_admin_drafts_issues_and_credits_an_invoice_on_the_pages(
    world: SimpleNamespace,
) -> None:
    client = client_for(world, "admin")
    created = client.post(
        "/facturation/pieces/nouvelle/",
        {
            "bilan": world.bilan.pk,
            "kind": "invoice",
            "payer_kind": "employer",
            "payer_name": "Boulangerie Dupain",
            "payer_address": "2 rue du Four, Lyon",
            "label_0": "Bilan de compétences",
            "quantity_0": "1",
            "unit_price_0": "1600.00",
        },
    )
    assert created.status_code == 302
    document = Invoice.objects.get(payer_name="Boulangerie Dupain")
    assert client.post(f"/facturation/pieces/{document.pk}/emettre/").status_code == 302
    document.refresh_from_db()
    assert document.number == f"F-{timezone.localdate().year}-0002"
    refused = client.post(f"/facturation/pieces/{document.pk}/supprimer/")
    assert refused.status_code == 409 and "avoir" in refused.content.decode()
    assert Invoice.objects.filter(pk=document.pk).exists()
    credited = client.post(f"/facturation/pieces/{document.pk}/avoir/", {"reason": "Erreur"})
    assert credited.status_code == 302
    assert Invoice.objects.get(credited_invoice=document).number.startswith("A-")


def test_a_draft_without_lines_is_refused_on_the_page_and_nothing_saved(
    world: SimpleNamespace,
) -> None:
    client = client_for(world, "admin")
    response = client.post(
        "/facturation/pieces/nouvelle/",
        {
            "bilan": world.bilan.pk,
            "kind": "invoice",
            "payer_kind": "opco",
            "payer_name": "OPCO EP",
            "payer_address": "Paris",
        },
    )
    assert response.status_code == 422 and "au moins une ligne" in response.content.decode()
    assert not Invoice.objects.filter(payer_name="OPCO EP").exists()


def test_the_schedule_page_refuses_an_instalment_inside_the_period(
    world: SimpleNamespace,
) -> None:
    client = client_for(world, "admin")
    day = world.contract.withdrawal_ends_on
    response = client.post(
        f"/facturation/bilan/{world.bilan.pk}/contrat/echeancier/",
        {
            "due_on_0": day.isoformat(),
            "amount_0": "450",
            "due_on_1": (day + dt.timedelta(days=30)).isoformat(),
            "amount_1": "525",
            "milestone_1": "investigation",
            "due_on_2": (day + dt.timedelta(days=60)).isoformat(),
            "amount_2": "525",
            "milestone_2": "synthèse",
        },
    )
    assert response.status_code == 422 and "L6353-6" in response.content.decode()
    assert not world.contract.instalments.exists()


def test_the_beneficiary_sees_her_contract_terms_and_mediator_and_withdraws(
    world: SimpleNamespace,
) -> None:
    client = client_for(world, "beneficiary")
    page = client.get("/espace/contrat/").content.decode()
    assert world.profile.mediator in page and "Se rétracter" in page
    client.post("/espace/contrat/retractation/")
    page = client.get("/espace/contrat/").content.decode()
    assert "rétracté" in page and "Se rétracter</button>" not in page


def test_after_the_period_the_withdraw_button_is_gone_and_the_act_refused(
    world: SimpleNamespace,
) -> None:
    PersonalFundsContract.objects.update(signed_on=timezone.localdate() - dt.timedelta(days=15))
    client = client_for(world, "beneficiary")
    assert 'id="withdraw"' not in client.get("/espace/contrat/").content.decode()
    refused = client.post("/espace/contrat/retractation/")
    assert refused.status_code == 409 and "L6353-5" in refused.content.decode()
    assert PersonalFundsContract.objects.get().status == ContractStatus.SIGNED
