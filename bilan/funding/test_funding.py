"""The funding object (issue 13 item 1): shares and co-funding, the reason once started, the
log of changes, a closed bilan's correction, the sync of Bilan.funding_route, for every role."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from bilan.api.test_api import Api
from bilan.bilans.models import Bilan, FundingRoute, RuleViolation, Status
from bilan.funding import rules
from bilan.funding.models import FundingChange, FundingShare, PayerKind
from bilan.funding.testing import (
    at_status,
    certify,
    cpf,
    cpf_file_ready,
    employer,
    personal,
    started,
)


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture(autouse=True)
def _cpf_answers(cast: SimpleNamespace) -> None:
    # The CPF and Qualiopi rules have their own tests (test_cpf.py, test_qualiopi.py).
    cpf_file_ready(cast.bilan)
    certify(cast.org)


def put(api: Api, bilan: Bilan, who: str | None, body: dict[str, Any]) -> Any:
    return api.client.put(
        f"/api/v1/bilans/{bilan.pk}/funding",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.tokens[who]}"} if who else None,
    )


def body(**extra: Any) -> dict[str, Any]:
    return {
        "price": "2000.00",
        "shares": [
            {"route": "cpf", "amount": "1600.00", "reference": "CPF-123456789"},
            {"route": "employer_plan", "amount": "400.00", "payer_name": "Boulangerie Dupain"},
        ],
        **extra,
    }


def test_a_new_bilans_funding_starts_from_the_route_recorded_at_opening(
    cast: SimpleNamespace,
) -> None:
    funding = rules.funding_of(cast.bilan)
    (share,) = rules.shares_of(funding)
    assert (share.route, share.reference, share.payer_kind) == (
        FundingRoute.CPF,
        "CPF-123456789",
        PayerKind.CDC,
    )


def test_co_funding_is_saved_share_by_share_and_the_primary_route_is_synced(
    cast: SimpleNamespace,
) -> None:
    rules.set_funding(
        bilan=cast.bilan,
        by=cast.consultant,
        price=Decimal("2000"),
        shares=[employer("1500.00"), cpf("500.00", "CPF-999")],
    )
    cast.bilan.refresh_from_db()
    assert (cast.bilan.funding_route, cast.bilan.funding_reference) == ("employer_plan", "")
    shares = rules.shares_of(rules.funding_of(cast.bilan))
    assert [(s.route, s.amount, s.payer_kind) for s in shares] == [
        ("employer_plan", Decimal("1500.00"), PayerKind.EMPLOYER),
        ("cpf", Decimal("500.00"), PayerKind.CDC),
    ]


def test_before_the_start_a_change_needs_no_reason_and_is_still_logged(
    cast: SimpleNamespace,
) -> None:
    rules.set_funding(bilan=cast.bilan, by=cast.consultant, price=None, shares=[personal()])
    (change,) = FundingChange.objects.filter(funding__bilan=cast.bilan)
    assert change.by == cast.consultant
    assert change.before["shares"][0]["route"] == "cpf"
    assert change.after["shares"][0]["route"] == "personal"


def test_after_the_start_a_change_without_a_reason_is_refused_and_nothing_changes(
    cast: SimpleNamespace,
) -> None:
    started(cast.bilan)
    with pytest.raises(RuleViolation, match="indiquez le motif"):
        rules.set_funding(bilan=cast.bilan, by=cast.consultant, price=None, shares=[personal()])
    cast.bilan.refresh_from_db()
    assert cast.bilan.funding_route == FundingRoute.CPF
    assert not FundingChange.objects.exists()
    assert rules.shares_of(rules.funding_of(cast.bilan))[0].route == FundingRoute.CPF


def test_after_the_start_a_change_with_a_reason_logs_who_when_why_before_and_after(
    cast: SimpleNamespace,
) -> None:
    started(cast.bilan)
    rules.set_funding(
        bilan=cast.bilan,
        by=cast.admin,
        price=Decimal("1800"),
        shares=[cpf("1600.00"), personal("200.00")],
        reason="Reste à charge payé par la bénéficiaire",
    )
    (change,) = FundingChange.objects.all()
    assert (change.by, change.reason, change.correction) == (
        cast.admin,
        "Reste à charge payé par la bénéficiaire",
        False,
    )
    assert change.before == {
        "price": None,
        "shares": [
            {
                "route": "cpf",
                "payer_kind": "cdc",
                "payer_name": "",
                "amount": "0.00",
                "reference": "CPF-123456789",
                "opco_agreement_number": "",
                "opco_agreed_amount": None,
                "kairos_quote_number": "",
                "kairos_status": "",
                "funder_id": None,
            }
        ],
        "prior_bilan_answer": "no",
        "exemption": "",
        "cpf_cgu_version": "v12",
    }
    assert change.after["price"] == "1800.00"
    assert [s["amount"] for s in change.after["shares"]] == ["1600.00", "200.00"]


def test_an_unchanged_funding_logs_nothing(cast: SimpleNamespace) -> None:
    funding = rules.funding_of(cast.bilan)
    same = [rules.share_input_of(s) for s in rules.shares_of(funding)]
    rules.set_funding(bilan=cast.bilan, by=cast.consultant, price=None, shares=same)
    assert not FundingChange.objects.exists()


@pytest.mark.parametrize("status", [Status.CLOSED, Status.FOLLOW_UP, Status.ARCHIVED])
def test_a_closed_bilans_funding_is_refused_even_with_a_reason(
    cast: SimpleNamespace, status: Any
) -> None:
    at_status(cast.bilan, status)
    with pytest.raises(RuleViolation, match="correction motivée"):
        rules.set_funding(
            bilan=cast.bilan, by=cast.admin, price=None, shares=[personal()], reason="Erreur"
        )
    assert cast.bilan.funding_route == FundingRoute.CPF
    assert not FundingChange.objects.exists()


def test_the_administrations_correction_of_a_closed_bilan_is_logged_as_a_correction(
    cast: SimpleNamespace,
) -> None:
    at_status(cast.bilan, Status.CLOSED)
    with pytest.raises(RuleViolation, match="motif"):
        rules.set_funding(
            bilan=cast.bilan, by=cast.admin, price=None, shares=[personal()], correction=True
        )
    rules.set_funding(
        bilan=cast.bilan,
        by=cast.admin,
        price=None,
        shares=[ShareOPCO := rules.ShareInput(route="opco", amount=Decimal("1500"))],
        reason="Prise en charge OPCO saisie par erreur en CPF",
        correction=True,
    )
    assert ShareOPCO.route == "opco"
    (change,) = FundingChange.objects.all()
    assert change.correction and change.by == cast.admin
    cast.bilan.refresh_from_db()
    assert cast.bilan.funding_route == FundingRoute.OPCO


def test_a_consultant_cannot_correct_a_closed_bilan(cast: SimpleNamespace) -> None:
    at_status(cast.bilan, Status.CLOSED)
    with pytest.raises(RuleViolation) as refused:
        rules.set_funding(
            bilan=cast.bilan,
            by=cast.consultant,
            price=None,
            shares=[personal()],
            reason="Erreur",
            correction=True,
        )
    assert refused.value.code == "forbidden"


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([], "au moins un financement"),
        ([cpf(reference="")], "numéro de dossier CPF"),
        ([cpf("100.001")], "deux décimales"),
        ([cpf("-1")], "compris entre 0"),
        ([rules.ShareInput(route="nope", amount=Decimal(1))], "dans la liste"),
    ],
)
def test_bad_shares_are_refused_in_french(
    cast: SimpleNamespace, shares: list[rules.ShareInput], message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        rules.set_funding(bilan=cast.bilan, by=cast.consultant, price=None, shares=shares)


def test_shares_above_the_price_are_refused(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="dépassent le prix du bilan"):
        rules.set_funding(
            bilan=cast.bilan,
            by=cast.consultant,
            price=Decimal("1000"),
            shares=[cpf("800.00"), personal("200.01")],
        )


def test_the_administration_page_changes_the_route_through_the_owner_before_the_start(
    cast: SimpleNamespace,
) -> None:
    cast.bilan.update_administration(
        by=cast.admin,
        situation="employee",
        situation_detail="",
        funding_route="opco",
        funding_reference="PEC-42",
    )
    cast.bilan.refresh_from_db()
    assert (cast.bilan.funding_route, cast.bilan.funding_reference) == ("opco", "PEC-42")
    share = FundingShare.objects.get(funding__bilan=cast.bilan)
    assert (share.route, share.payer_kind, share.reference) == ("opco", "opco", "PEC-42")
    assert FundingChange.objects.count() == 1


def test_the_administration_page_cannot_change_a_started_or_closed_bilans_route(
    cast: SimpleNamespace,
) -> None:
    for status in (Status.PRELIMINARY, Status.CLOSED):
        at_status(cast.bilan, status)
        with pytest.raises(RuleViolation):
            cast.bilan.update_administration(
                by=cast.admin,
                situation="job_seeker",
                situation_detail="",
                funding_route="opco",
                funding_reference="",
            )
        cast.bilan.refresh_from_db()
        assert (cast.bilan.funding_route, cast.bilan.situation) == ("cpf", "employee")
    assert not FundingChange.objects.exists()


# ---- the page, for every role ------------------------------------------------------------

PAGE_STATUS = {
    "admin": 200,
    "consultant": 200,
    "colleague": 404,
    "beneficiary": 403,
    "other_beneficiary": 403,
    "outsider_admin": 404,
    "outsider_consultant": 404,
    "outsider_beneficiary": 403,
}


@pytest.mark.parametrize(("who", "status"), PAGE_STATUS.items())
def test_the_funding_page_for_every_role(cast: SimpleNamespace, who: str, status: Any) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    assert client.get(f"/financement/bilans/{cast.bilan.pk}/").status_code == status


def test_the_funding_page_saves_co_funding_and_keeps_input_on_refusal(
    cast: SimpleNamespace,
) -> None:
    client = Client()
    client.force_login(cast.consultant)
    url = f"/financement/bilans/{cast.bilan.pk}/"
    form = {
        "price": "2000",
        "reason": "",
        "prior_bilan_answer": "no",
        "cpf_cgu_version": "v12",
        "share-TOTAL_FORMS": "3",
        "share-INITIAL_FORMS": "0",
        "share-0-route": "cpf",
        "share-0-amount": "1600",
        "share-0-reference": "CPF-1",
        "share-1-route": "employer_plan",
        "share-1-amount": "400",
        "share-1-payer_name": "Boulangerie Dupain",
        "share-2-route": "",
    }
    assert client.post(url, form).status_code == 302
    assert [s.route for s in rules.shares_of(rules.funding_of(cast.bilan))] == [
        "cpf",
        "employer_plan",
    ]
    started(cast.bilan)
    refused = client.post(url, {**form, "share-1-amount": "300"})
    assert refused.status_code == 422
    assert "indiquez le motif" in refused.content.decode()
    assert 'value="Boulangerie Dupain"' in refused.content.decode()
    assert FundingChange.objects.count() == 1


# ---- the API, for every role -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("consultant", 200),
        ("beneficiary", 200),  # her own bilan's funding: administrative data
        ("colleague", 404),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        ("outsider_consultant", 404),
        ("outsider_beneficiary", 404),
        (None, 401),
    ],
)
def test_get_funding_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None, status: Any
) -> None:
    assert api.get(f"/bilans/{cast.bilan.pk}/funding", who).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("consultant", 200),
        ("colleague", 404),
        ("beneficiary", 403),
        ("other_beneficiary", 404),
        ("outsider_admin", 404),
        ("outsider_beneficiary", 404),
        (None, 401),
    ],
)
def test_set_funding_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None, status: Any
) -> None:
    response = put(api, cast.bilan, who, body())
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["funding_route"] == "cpf"
        assert [s["amount"] for s in response.json()["shares"]] == ["1600.00", "400.00"]


def test_set_funding_refusals_keep_the_error_shape_and_save_nothing(
    api: Api, cast: SimpleNamespace
) -> None:
    started(cast.bilan)
    response = put(api, cast.bilan, "consultant", body())
    assert response.status_code == 422
    assert "indiquez le motif" in response.json()["detail"]
    at_status(cast.bilan, Status.CLOSED)
    response = put(api, cast.bilan, "admin", body(reason="Erreur"))
    assert response.status_code == 409
    assert "correction motivée" in response.json()["detail"]
    assert not FundingChange.objects.exists()
    ok = put(api, cast.bilan, "admin", body(reason="Erreur de saisie", correction=True))
    assert ok.status_code == 200
    assert ok.json()["changes"][0]["correction"] is True
