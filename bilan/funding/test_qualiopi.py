"""The Qualiopi gate (issue 13 item 4, REQ-19, L6316-1): a funded route cannot be chosen
without a certificate in force covering bilans; alerts at D-90 and D-30; the page and the API
for every role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from bilan.api.test_api import Api
from bilan.bilans.models import Bilan, FundingRoute, RuleViolation
from bilan.funding import qualiopi, rules
from bilan.funding.models import FundingChange, QualiopiCategory, QualiopiCertificate
from bilan.funding.rules import FileInput, ShareInput
from bilan.funding.testing import certify, cpf, employer, personal

READY = FileInput(prior_bilan_answer="no", cpf_cgu_version="v12")
TODAY = timezone.localdate


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.fixture(autouse=True)
def _opened_in_personal_funds(cast: SimpleNamespace) -> None:
    """A bilan opened in personal funds: choosing the CPF (or a funded route) is new."""
    Bilan.objects.filter(pk=cast.bilan.pk).update(funding_route="personal", funding_reference="")
    cast.bilan.refresh_from_db()


def fund(cast: SimpleNamespace, *shares: ShareInput) -> None:
    rules.set_funding(
        bilan=cast.bilan, by=cast.consultant, shares=list(shares), price=None, file=READY
    )


@pytest.mark.parametrize(
    "share",
    [
        cpf(),
        ShareInput(route=FundingRoute.OPCO, amount=Decimal("1500")),
        ShareInput(route=FundingRoute.FRANCE_TRAVAIL, amount=Decimal("1500")),
    ],
)
def test_a_funded_route_without_a_certificate_is_refused_naming_l6316_1(
    cast: SimpleNamespace, share: ShareInput
) -> None:
    with pytest.raises(RuleViolation) as refused:
        fund(cast, share)
    assert "art. L6316-1 du Code du travail" in refused.value.messages[0]
    assert not FundingChange.objects.exists()


def test_employer_and_personal_funds_need_no_certificate(cast: SimpleNamespace) -> None:
    fund(cast, employer("1500"), personal("300"))
    assert FundingChange.objects.count() == 1


def test_an_expired_certificate_closes_the_funded_routes(cast: SimpleNamespace) -> None:
    certify(cast.org, until=TODAY() - dt.timedelta(days=1))
    with pytest.raises(RuleViolation, match="L6316-1"):
        fund(cast, cpf())
    certify(cast.org, until=TODAY())  # its last day still counts
    fund(cast, cpf())


def test_a_certificate_without_the_bilan_category_does_not_count(cast: SimpleNamespace) -> None:
    QualiopiCertificate.objects.create(
        organisation=cast.org,
        number="Q-1",
        certifier="AFNOR",
        categories=[QualiopiCategory.TRAINING],
        valid_from=TODAY() - dt.timedelta(days=10),
        valid_until=TODAY() + dt.timedelta(days=300),
    )
    with pytest.raises(RuleViolation, match="bilans de compétences"):
        fund(cast, cpf())


def test_another_organisations_certificate_does_not_count(cast: SimpleNamespace) -> None:
    certify(cast.outsider_org)
    with pytest.raises(RuleViolation, match="L6316-1"):
        fund(cast, cpf())


def test_a_route_already_agreed_is_not_undone_by_an_expiry(cast: SimpleNamespace) -> None:
    certificate = certify(cast.org)
    fund(cast, cpf("1000.00"))
    QualiopiCertificate.objects.filter(pk=certificate.pk).update(
        valid_until=TODAY() - dt.timedelta(days=1)
    )
    fund(cast, cpf("1200.00"))  # the amount changes, the route was chosen when certified
    with pytest.raises(RuleViolation, match="L6316-1"):
        fund(cast, cpf("1200.00"), ShareInput(route="opco", amount=Decimal("300")))


@pytest.mark.parametrize(
    ("days_left", "alert"),
    [(91, ""), (90, "J-90"), (31, "J-90"), (30, "J-30"), (0, "J-30")],
)
def test_alerts_at_d90_and_d30(cast: SimpleNamespace, days_left: int, alert: str) -> None:
    certify(cast.org, until=TODAY() + dt.timedelta(days=days_left))
    message = qualiopi.alert_for(cast.org)
    assert (alert in message) if alert else message == ""
    if alert:
        assert f"J-{days_left}" in message


def test_a_renewed_certificate_silences_the_alert(cast: SimpleNamespace) -> None:
    first = certify(cast.org, until=TODAY() + dt.timedelta(days=20))
    certify(cast.org, until=first.valid_until + dt.timedelta(days=3 * 365))
    QualiopiCertificate.objects.filter(valid_until__gt=first.valid_until).update(
        valid_from=first.valid_until + dt.timedelta(days=1)
    )
    assert qualiopi.alert_for(cast.org) == ""


def test_the_alert_shows_on_the_administrations_dashboard_only(cast: SimpleNamespace) -> None:
    certify(cast.org, until=TODAY() + dt.timedelta(days=25))
    client = Client()
    client.force_login(cast.admin)
    assert 'id="qualiopi-alert"' in client.get("/").content.decode()
    client.force_login(cast.consultant)
    assert 'id="qualiopi-alert"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("who", "get", "post"),
    [("admin", 200, 302), ("consultant", 200, 403), ("beneficiary", 403, 403)],
)
def test_the_qualiopi_page_for_every_role(
    cast: SimpleNamespace, who: str, get: int, post: int
) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    assert client.get("/financement/qualiopi/").status_code == get
    response = client.post(
        "/financement/qualiopi/",
        {
            "number": "Q-2026",
            "certifier": "AFNOR",
            "categories": ["bilan"],
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
        },
    )
    assert response.status_code == post
    assert QualiopiCertificate.objects.filter(number="Q-2026").exists() is (post == 302)


def test_the_page_refuses_dates_out_of_order_and_keeps_the_input(cast: SimpleNamespace) -> None:
    client = Client()
    client.force_login(cast.admin)
    response = client.post(
        "/financement/qualiopi/",
        {
            "number": "Q-2026",
            "certifier": "AFNOR",
            "categories": ["bilan"],
            "valid_from": "2026-01-01",
            "valid_until": "2025-12-31",
        },
    )
    assert response.status_code == 422
    assert "précède le début" in response.content.decode()
    assert 'value="Q-2026"' in response.content.decode()
    assert not QualiopiCertificate.objects.exists()


@pytest.mark.parametrize(
    ("who", "listed", "recorded"),
    [("admin", 200, 201), ("consultant", 200, 403), ("beneficiary", 403, 403), (None, 401, 401)],
)
def test_the_qualiopi_api_for_every_role(
    api: Api, cast: SimpleNamespace, who: str | None, listed: int, recorded: int
) -> None:
    certify(cast.outsider_org)
    response = api.get("/qualiopi-certificates", who)
    assert response.status_code == listed
    if listed == 200:
        assert response.json() == []  # never another organisation's
    body = {
        "number": "Q-2026",
        "certifier": "AFNOR",
        "categories": ["bilan", "training"],
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
    }
    response = api.post("/qualiopi-certificates", who, body)
    assert response.status_code == recorded
    if recorded == 201:
        assert response.json()["covers_bilan"] is True
        bad = api.post("/qualiopi-certificates", who, {**body, "valid_until": "2025-01-01"})
        assert bad.status_code == 422 and "précède" in bad.json()["detail"]
