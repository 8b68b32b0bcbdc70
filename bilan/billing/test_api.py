"""API v1, billing: get/set_billing_profile, add_billing_rule, list/create/get/issue/delete
invoices and create_credit_note, the personal-funds contract (get, create, set_instalments,
withdraw) and get_bpf — what each does, its refusals in the API's error shape, and every
operation for every role (admin, consultants, beneficiaries, another organisation, no token)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.api.test_api import Api
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

WHO = [
    "admin",
    "consultant",
    "colleague",
    "beneficiary",
    "other_beneficiary",
    "outsider_admin",
    "outsider_consultant",
    "outsider_beneficiary",
    None,
]


@pytest.fixture
def api(billing: SimpleNamespace) -> Api:
    return Api(billing)


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


def send(api: Api, method: str, path: str, who: str | None, body: Any = None) -> Any:
    kwargs: dict[str, Any] = dict(api.headers(who))
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(api.client, method)(f"/api/v1{path}", **kwargs)


def invoice_body(bilan_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "bilan_id": bilan_id,
        "kind": "invoice",
        "payer_kind": "opco",
        "payer_name": "OPCO Akto",
        "payer_address": "14 rue Riquet, Paris",
        "payer_reference": "AKTO-77",
        "lines": [{"label": "Bilan de compétences", "quantity": "1", "unit_price": "1750.00"}],
        **extra,
    }


def schedule_body(contract: PersonalFundsContract, first: str = "450.00") -> dict[str, Any]:
    end = contract.withdrawal_ends_on
    half = ((Decimal("1500") - Decimal(first)) / 2).quantize(Decimal("0.01"))
    rest, last = str(half), str(Decimal("1500") - Decimal(first) - half)
    return {
        "instalments": [
            {"due_on": (end + dt.timedelta(days=1)).isoformat(), "amount": first},
            {
                "due_on": (end + dt.timedelta(days=30)).isoformat(),
                "amount": rest,
                "milestone": "fin de l'investigation",
            },
            {
                "due_on": (end + dt.timedelta(days=60)).isoformat(),
                "amount": last,
                "milestone": "remise de la synthèse",
            },
        ]
    }


PROFILE = {
    "legal_name": "Cap Avenir Conseil",
    "siret": "73282932000074",
    "nda": "11755555575",
    "address": "27 rue de la République, Lyon",
    "vat_status": "exempt",
    "vat_exemption_article": "art. 261-4-4° a du CGI",
    "terms_of_sale": "CGV",
    "mediator": "CM2C",
}


def operations(c: SimpleNamespace) -> list[tuple[str, str, str, Any]]:
    """(operationId, method, path, body) on the cast organisation's objects."""
    b = c.bilan.pk
    return [
        ("get_billing_profile", "get", "/billing/profile", None),
        (
            "set_billing_profile",
            "put",
            "/billing/profile",
            PROFILE,
        ),
        (
            "add_billing_rule",
            "post",
            "/billing/rules",
            {"valid_from": "2026-09-01", "withdrawal_days": 21, "source": "CGV"},
        ),
        ("list_invoices", "get", "/invoices", None),
        ("create_invoice", "post", "/invoices", invoice_body(b)),
        ("get_invoice", "get", f"/invoices/{c.issued.pk}", None),
        ("issue_invoice", "post", f"/invoices/{c.draft.pk}/issue", None),
        ("create_credit_note", "post", f"/invoices/{c.issued.pk}/credit-note", {"reason": "x"}),
        ("delete_invoice", "delete", f"/invoices/{c.draft.pk}", None),
        ("get_personal_contract", "get", f"/bilans/{b}/personal-contract", None),
        ("create_personal_contract", "post", f"/bilans/{b}/personal-contract", {"price": "900"}),
        (
            "set_instalments",
            "put",
            f"/bilans/{b}/personal-contract/instalments",
            schedule_body(c.contract),
        ),
        ("withdraw_personal_contract", "post", f"/bilans/{b}/personal-contract/withdraw", None),
        ("get_bpf", "get", "/bpf", None),
    ]


ADMIN = {
    "get_billing_profile": 200,
    "set_billing_profile": 200,
    "add_billing_rule": 201,
    "list_invoices": 200,
    "create_invoice": 201,
    "get_invoice": 200,
    "issue_invoice": 200,
    "create_credit_note": 201,
    "delete_invoice": 409,  # issued just before
    "get_personal_contract": 200,
    "create_personal_contract": 409,  # the bilan has its contract
    "set_instalments": 200,
    "withdraw_personal_contract": 403,  # the beneficiary's act
    "get_bpf": 200,
}
BENEFICIARY = {
    **dict.fromkeys(ADMIN, 403),
    "list_invoices": 200,
    "get_invoice": 200,  # addressed to her
    "issue_invoice": 404,  # a draft: not hers to see
    "delete_invoice": 404,
    "create_credit_note": 403,
    "get_personal_contract": 200,
    "withdraw_personal_contract": 200,
}
OTHER_BENEFICIARY = {
    **BENEFICIARY,
    "create_invoice": 404,  # not her bilan
    "get_invoice": 404,
    "create_credit_note": 404,
    "get_personal_contract": 404,
    "create_personal_contract": 404,
    "set_instalments": 404,
    "withdraw_personal_contract": 404,
}
CONSULTANT = {
    **dict.fromkeys(ADMIN, 403),
    "get_personal_contract": 404,  # the bilan is hers, the contract is administration
    "set_instalments": 404,
    "withdraw_personal_contract": 404,
}
COLLEAGUE = {
    **CONSULTANT,
    # not her bilan: 404 before anything else
    "create_invoice": 404,
    "get_personal_contract": 404,
    "create_personal_contract": 404,
}
OUTSIDER_ADMIN = {
    **ADMIN,
    "add_billing_rule": 201,
    "create_invoice": 404,
    "get_invoice": 404,
    "issue_invoice": 404,
    "create_credit_note": 404,
    "delete_invoice": 404,
    "get_personal_contract": 404,
    "create_personal_contract": 404,
    "set_instalments": 404,
    "withdraw_personal_contract": 404,
}
OUTSIDER_STAFF = {
    **dict.fromkeys(ADMIN, 403),
    "create_invoice": 404,
    "get_personal_contract": 404,
    "create_personal_contract": 404,
    "set_instalments": 404,
    "withdraw_personal_contract": 404,
}
OUTSIDER_BENEFICIARY = {
    **OUTSIDER_STAFF,
    "list_invoices": 200,
    "get_invoice": 404,
    "issue_invoice": 404,
    "create_credit_note": 404,
    "delete_invoice": 404,
}
EXPECTED = {
    "admin": ADMIN,
    "consultant": CONSULTANT,
    "colleague": COLLEAGUE,
    "beneficiary": BENEFICIARY,
    "other_beneficiary": OTHER_BENEFICIARY,
    "outsider_admin": OUTSIDER_ADMIN,
    "outsider_consultant": OUTSIDER_STAFF,
    "outsider_beneficiary": OUTSIDER_BENEFICIARY,
    None: dict.fromkeys(ADMIN, 401),
}


@pytest.mark.parametrize("who", WHO)
def test_every_operation_for_every_role(api: Api, world: SimpleNamespace, who: str) -> None:
    answers = {}
    for operation, method, path, body in operations(world):
        response = send(api, method, path, who, body)
        answers[operation] = response.status_code
        if response.status_code >= 400:
            assert set(response.json()) >= {"detail"}, operation  # the API's error shape
    assert answers == EXPECTED[who]
    if who not in ("admin", "beneficiary"):
        assert Invoice.objects.issued().count() == 1
        assert PersonalFundsContract.objects.get().status == ContractStatus.SIGNED
        assert not world.contract.instalments.exists()


def test_create_then_issue_an_invoice(api: Api, billing: SimpleNamespace) -> None:
    created = api.post("/invoices", "admin", invoice_body(billing.bilan.pk))
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["number"], body["total_ht"]) == ("draft", "", "0.00")
    assert body["lines"][0]["total"] == "1750.00"
    issued = api.post(f"/invoices/{body['id']}/issue", "admin", {})
    assert issued.status_code == 200
    out = issued.json()
    year = timezone.localdate().year
    assert out["number"] == f"F-{year}-0001"
    assert (out["total_ht"], out["total_ttc"]) == ("1750.00", "1750.00")
    assert out["vat_mention"] == "TVA non applicable, art. 261-4-4° a du CGI"
    again = api.post(f"/invoices/{body['id']}/issue", "admin", {})
    assert again.status_code == 409 and f"F-{year}-0001" in again.json()["detail"]
    listed = api.get(f"/invoices?bilan_id={billing.bilan.pk}", "admin").json()
    assert [d["number"] for d in listed] == [f"F-{year}-0001"]


def test_issuing_without_the_mentions_is_a_409_naming_them(
    api: Api, billing: SimpleNamespace
) -> None:
    BillingProfile.objects.filter(pk=billing.profile.pk).update(nda="", vat_status="")
    created = api.post("/invoices", "admin", invoice_body(billing.bilan.pk)).json()
    refused = api.post(f"/invoices/{created['id']}/issue", "admin", {})
    assert refused.status_code == 409
    assert "numéro de déclaration d'activité" in refused.json()["detail"]
    assert Invoice.objects.get(pk=created["id"]).number == ""


def test_bad_invoice_input_is_a_422_and_saves_nothing(api: Api, billing: SimpleNamespace) -> None:
    for body in (
        invoice_body(billing.bilan.pk, lines=[]),
        invoice_body(billing.bilan.pk, kind="credit_note"),
        invoice_body(billing.bilan.pk, payer_kind="martian"),
        invoice_body(billing.bilan.pk, lines=[{"label": "x", "quantity": "1", "unit_price": "-5"}]),
        invoice_body(billing.bilan.pk, payer_address=" "),
    ):
        assert api.post("/invoices", "admin", body).status_code == 422, body
    assert not Invoice.objects.exists()


def test_an_issued_invoice_is_not_deleted_a_credit_note_cancels_it(
    api: Api, world: SimpleNamespace
) -> None:
    refused = send(api, "delete", f"/invoices/{world.issued.pk}", "admin")
    assert refused.status_code == 409 and "avoir" in refused.json()["detail"]
    note = api.post(f"/invoices/{world.issued.pk}/credit-note", "admin", {"reason": "Erreur"})
    assert note.status_code == 201
    assert note.json()["number"].startswith("A-") and note.json()["credited_invoice_id"]
    assert api.get(f"/invoices/{world.issued.pk}", "admin").json()["credited_by"] == [
        note.json()["number"]
    ]
    assert send(api, "delete", f"/invoices/{world.draft.pk}", "admin").status_code == 204
    assert not Invoice.objects.filter(pk=world.draft.pk).exists()


def test_the_beneficiary_lists_only_the_issued_pieces_addressed_to_her(
    api: Api, world: SimpleNamespace
) -> None:
    listed = api.get("/invoices", "beneficiary").json()
    assert [d["id"] for d in listed] == [world.issued.pk]
    assert api.get("/invoices", "other_beneficiary").json() == []
    assert api.get("/invoices", "consultant").status_code == 403


def test_the_schedule_rules_through_the_api(api: Api, world: SimpleNamespace) -> None:
    path = f"/bilans/{world.bilan.pk}/personal-contract/instalments"
    over = send(api, "put", path, "admin", schedule_body(world.contract, first="450.01"))
    assert over.status_code == 422 and "L6353-6" in over.json()["detail"]
    body = schedule_body(world.contract)
    body["instalments"][0]["due_on"] = world.contract.withdrawal_ends_on.isoformat()
    early = send(api, "put", path, "admin", body)
    assert early.status_code == 422 and "rétractation" in early.json()["detail"]
    assert not world.contract.instalments.exists()
    ok = send(api, "put", path, "admin", schedule_body(world.contract))
    assert ok.status_code == 200 and len(ok.json()["instalments"]) == 3


def test_the_beneficiary_withdraws_through_the_api_once(api: Api, world: SimpleNamespace) -> None:
    path = f"/bilans/{world.bilan.pk}/personal-contract"
    got = api.get(path, "beneficiary").json()
    assert got["in_withdrawal_period"] and got["withdrawal_days"] == 14
    assert got["mediator"] == world.profile.mediator
    done = api.post(f"{path}/withdraw", "beneficiary", {})
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    assert [e["action"] for e in done.json()["events"]] == ["signed", "withdrawn"]
    again = api.post(f"{path}/withdraw", "beneficiary", {})
    assert again.status_code == 409


def test_withdrawing_after_the_period_is_a_409_naming_the_article(
    api: Api, world: SimpleNamespace
) -> None:
    PersonalFundsContract.objects.update(signed_on=timezone.localdate() - dt.timedelta(days=15))
    refused = api.post(f"/bilans/{world.bilan.pk}/personal-contract/withdraw", "beneficiary", {})
    assert refused.status_code == 409 and "L6353-5" in refused.json()["detail"]


def test_get_bpf_gives_the_figures_and_refuses_a_bad_year(api: Api, world: SimpleNamespace) -> None:
    year = timezone.localdate().year
    got = api.get(f"/bpf?year={year}", "admin").json()
    assert got["year"] == year
    revenue = {r["payer_kind"]: r for r in got["revenue"]}
    assert revenue["beneficiary"]["total_ht"] == "450.00"
    assert revenue["beneficiary"]["pieces"] == [world.issued.number]
    assert api.get("/bpf?year=1800", "admin").status_code == 422


def test_the_profile_through_the_api(api: Api, world: SimpleNamespace) -> None:
    got = api.get("/billing/profile", "admin").json()
    assert got["missing_mentions"] == [] and got["withdrawal_days"] == 14
    assert got["rule_to_verify"] is True
    bad = send(
        api,
        "put",
        "/billing/profile",
        "admin",
        {"legal_name": "Cap", "siret": "12345678901234", "vat_status": "exempt"},
    )
    assert bad.status_code == 422 and "SIRET" in bad.json()["detail"]
    assert BillingProfile.objects.get(pk=world.profile.pk).siret == "73282932000074"
