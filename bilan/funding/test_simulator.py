"""The cost simulator (issue 13 item 3): the six demo cases line by line, the pages (staff,
beneficiary) and the API simulate_cost, for every role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client

from bilan.api.test_api import Api
from bilan.funding.models import CpfRule
from bilan.funding.simulator import DEMO_CASES, simulate

RULE_DAY = dt.date(2026, 6, 1)

# case: (CPF, co-funding, from whom, participation, remainder)
EXPECTED = {
    "salariee_cpf_seul": ("1350.00", "0.00", "", "103.20", "553.20"),
    "salarie_cpf_abondement_opco": (
        "1600.00",
        "800.00",
        "Boulangerie Dupain, via OPCO EP",
        "0.00",
        "0.00",
    ),
    "demandeuse_cpf_aif": (
        "1333.33",
        "666.67",
        "France Travail (aide individuelle à la formation, devis KAIROS)",
        "0.00",
        "0.00",
    ),
    "bilan_recent_fonds_personnels": ("0.00", "0.00", "", "0.00", "1500.00"),
    "plan_employeur": ("0.00", "2200.00", "Transports Martin", "0.00", "0.00"),
    "independant_cpf_droits_limites": ("900.00", "0.00", "", "0.00", "600.00"),
}


@pytest.fixture
def api(cast: SimpleNamespace) -> Api:
    return Api(cast)


@pytest.mark.parametrize("case", EXPECTED)
def test_the_six_demo_cases(db: None, case: str) -> None:
    result = simulate(DEMO_CASES[case], CpfRule.in_force(RULE_DAY))
    got = (
        result.cpf_amount,
        result.cofunding_amount,
        result.cofunding_from,
        result.participation,
        result.remainder,
    )
    cpf, cofunding, who, participation, remainder = EXPECTED[case]
    assert got == (
        Decimal(cpf),
        Decimal(cofunding),
        who,
        Decimal(participation),
        Decimal(remainder),
    )
    # Every line is explained, and the lines add up: price = CPF + co-funding + own part.
    assert all(line.explanation for line in result.lines)
    price = result.line("price").amount
    assert price == result.cpf_amount + result.cofunding_amount + (
        result.remainder - result.participation
    )


def test_the_explanations_name_the_rules(db: None) -> None:
    rule = CpfRule.in_force(RULE_DAY)
    capped = simulate(DEMO_CASES["salarie_cpf_abondement_opco"], rule)
    assert (
        "plafond de 1\u202f600,00 € par bilan (décret n° 2026-127" in capped.line("cpf").explanation
    )
    assert "exonéré·e : abondement" in capped.line("participation").explanation
    assert "jamais facturé ni remboursé par l'organisme" in capped.line("participation").explanation
    hours = simulate(DEMO_CASES["salariee_cpf_seul"], rule)
    assert "Seules les heures d'accompagnement" in hours.line("accompaniment_part").explanation
    blocked = simulate(DEMO_CASES["bilan_recent_fonds_personnels"], rule)
    assert "décret n° 2026-126" in blocked.line("cpf").explanation
    assert blocked.warnings == ["Montants CPF en vigueur le 01/01/2026, à vérifier au JO."]


def test_a_confirmed_rule_drops_the_warning(db: None) -> None:
    CpfRule.objects.filter(year=2026).update(to_verify=False)
    result = simulate(DEMO_CASES["salariee_cpf_seul"], CpfRule.in_force(RULE_DAY))
    assert result.warnings == [] and not result.rule_to_verify


QUERY = {
    "price": "2400",
    "accompaniment_hours": "20",
    "personal_hours": "4",
    "routes": ["cpf", "opco"],
    "situation": "employee",
    "prior_bilan_answer": "no",
    "employer_name": "Boulangerie Dupain",
    "opco_name": "OPCO EP",
}


@pytest.mark.parametrize(
    ("who", "staff", "portal"),
    [
        ("admin", 200, 403),
        ("consultant", 200, 403),
        ("beneficiary", 403, 200),
        ("outsider_beneficiary", 403, 200),
    ],
)
def test_the_simulator_pages_for_every_role(
    cast: SimpleNamespace, who: str, staff: int, portal: int
) -> None:
    client = Client()
    client.force_login(getattr(cast, who))
    for url, status in (("/financement/simulateur/", staff), ("/espace/simulateur/", portal)):
        response = client.get(url, QUERY)
        assert response.status_code == status
        if status == 200:
            page = response.content.decode()
            assert 'id="line-cofunding"' in page and "800,00 €" in page
            assert "Boulangerie Dupain, via OPCO EP" in page


def test_an_anonymous_visitor_is_sent_to_the_login(db: None) -> None:
    assert Client().get("/financement/simulateur/").status_code == 302
    assert Client().get("/espace/simulateur/").status_code == 302


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("consultant", 200), ("beneficiary", 200), (None, 401)],
)
def test_simulate_cost_for_every_role(api: Api, who: str | None, status: int) -> None:
    body = {
        "price": "1800.00",
        "accompaniment_minutes": 18 * 60,
        "personal_minutes": 6 * 60,
        "routes": ["cpf"],
        "situation": "employee",
        "prior_bilan_answer": "no",
    }
    response = api.post("/simulate-cost", who, body)
    assert response.status_code == status
    if status == 200:
        data = response.json()
        assert (data["cpf_amount"], data["participation"], data["remainder"]) == (
            "1350.00",
            "103.20",
            "553.20",
        )
        assert [line["key"] for line in data["lines"]] == [
            "price",
            "accompaniment_part",
            "cpf",
            "participation",
            "remainder",
        ]


def test_simulate_cost_refuses_bad_input_in_the_error_shape(api: Api) -> None:
    response = api.post("/simulate-cost", "consultant", {"price": "-1", "routes": []})
    assert response.status_code == 422
    assert "detail" in response.json()
