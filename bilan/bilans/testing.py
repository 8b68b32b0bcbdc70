"""A shared cast for tests: one organisation with an admin, two consultants and two
beneficiaries, and an outsider organisation with its own people and bilan (builders in the core,
since they create accounts, memberships and bilans; the app-free helpers are in bilan/lib/testing.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from bilan.accounts.models import User
from bilan.bilans.actions import create_bilan
from bilan.bilans.models import Bilan, Format, FundingRoute, Situation
from bilan.lib.testing import PASSWORD
from bilan.organisations.models import Membership, Organisation, Role

__all__ = [
    "cast",
    "make_bilan",
    "make_member",
    "make_organisation",
]


def make_organisation(name: str, slug: str) -> Organisation:
    return Organisation.objects.create(
        name=name,
        slug=slug,
        siret="73282932000074",
        nda="11755555575",
        qualiopi_certificate="QUALIOPI-2024-001",
    )


def make_member(org: Organisation, email: str, role: str, first: str, last: str) -> User:
    user = User.objects.create_user(email, PASSWORD, first_name=first, last_name=last)
    Membership.objects.create(user=user, organisation=org, role=role)
    user.membership = Membership.objects.select_related("organisation").get(user=user)
    return user


def make_bilan(org: Organisation, beneficiary: User, consultant: User, **extra: Any) -> Bilan:
    fields: dict[str, Any] = dict(
        acting_user=consultant,
        organisation=org,
        email=beneficiary.email,
        first_name=beneficiary.first_name,
        last_name=beneficiary.last_name,
        situation=Situation.EMPLOYEE,
        request_text="Je voudrais savoir si je peux changer de métier.",
        funding_route=FundingRoute.CPF,
        funding_reference="CPF-123456789",
        format=Format.IN_PERSON,
        consultant=consultant,
    )
    fields.update(extra)
    return create_bilan(**fields)


@pytest.fixture
def cast(db: None) -> SimpleNamespace:
    org = make_organisation("Cap Avenir Conseil", "cap-avenir")
    outsider_org = make_organisation("Horizon Orientation", "horizon")
    c = SimpleNamespace(org=org, outsider_org=outsider_org)
    c.admin = make_member(org, "admin@cap.test", Role.ADMIN, "Agnès", "Admin")
    c.consultant = make_member(org, "consultante@cap.test", Role.CONSULTANT, "Claire", "Conseil")
    c.colleague = make_member(org, "collegue@cap.test", Role.CONSULTANT, "Karim", "Collègue")
    c.beneficiary = make_member(org, "benef@cap.test", Role.BENEFICIARY, "Bruno", "Bénéf")
    c.other_beneficiary = make_member(org, "autre@cap.test", Role.BENEFICIARY, "Olga", "Autre")
    c.outsider_admin = make_member(outsider_org, "admin@horizon.test", Role.ADMIN, "Oscar", "Out")
    c.outsider_consultant = make_member(
        outsider_org, "conseil@horizon.test", Role.CONSULTANT, "Odile", "Out"
    )
    c.outsider_beneficiary = make_member(
        outsider_org, "benef@horizon.test", Role.BENEFICIARY, "Omar", "Out"
    )
    c.bilan = make_bilan(org, c.beneficiary, c.consultant)
    c.other_bilan = make_bilan(org, c.other_beneficiary, c.colleague)
    c.outsider_bilan = make_bilan(outsider_org, c.outsider_beneficiary, c.outsider_consultant)
    return c
