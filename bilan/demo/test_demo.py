"""`manage.py demo`: idempotent, every role and every step present, two separate organisations."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from bilan.bilans.models import Bilan, ConsentMethod, Status
from bilan.billing.models import Invoice, PersonalFundsContract
from bilan.careers import referential
from bilan.careers.models import CareerOption, EnqueteMetier, MatchRun, SavedFiche
from bilan.entretiens.models import Entretien
from bilan.organisations.models import Membership, Organisation, Role, validate_siret

pytestmark = pytest.mark.django_db

ACCOUNTS = {
    "admin@demo.test": ("demo-cap-avenir", Role.ADMIN),
    "consultante@demo.test": ("demo-cap-avenir", Role.CONSULTANT),
    "consultant@demo.test": ("demo-cap-avenir", Role.CONSULTANT),
    "beneficiaire@demo.test": ("demo-cap-avenir", Role.BENEFICIARY),
    "beneficiaire.demande@demo.test": ("demo-cap-avenir", Role.BENEFICIARY),
    "admin@horizon.demo.test": ("demo-horizon", Role.ADMIN),
}


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    """Scanned consent forms go to a temporary MEDIA_ROOT in these tests."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fixture_referential(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo imports the small ROME fixture here: the full folder's import (10–20 s) is
    tested once in bilan/careers/test_referential_full.py, not in every demo test."""

    monkeypatch.setattr(referential, "FULL_DATA_DIR", referential.FIXTURE_DIR.parent / "absent")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def demo() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_running_the_demo_twice_changes_nothing() -> None:
    demo()
    first = row_counts()
    assert first["bilans.Bilan"] > 0
    demo()
    assert row_counts() == first


def test_the_demo_accounts_exist_with_their_roles_and_the_printed_password() -> None:
    output = demo()
    assert "demo-bilan-2026" in output
    for email, (slug, role) in ACCOUNTS.items():
        membership = Membership.objects.get(user__email=email)
        assert (membership.organisation.slug, membership.role) == (slug, role), email
        assert authenticate(username=email, password="demo-bilan-2026") is not None, email
        assert email in output


def test_the_demo_organisations_have_valid_identifiers() -> None:
    demo()
    for org in Organisation.objects.filter(slug__startswith="demo-"):
        validate_siret(org.siret)
        org.full_clean()
        assert org.qualiopi_expires_on is not None and org.qualiopi_expires_on.year == 2027


def test_every_status_has_at_least_one_demo_bilan() -> None:
    demo()
    present = set(Bilan.objects.values_list("status", flat=True))
    assert present == set(Status.values)


def test_both_consultants_of_the_first_organisation_follow_bilans() -> None:
    demo()
    for email in ("consultante@demo.test", "consultant@demo.test"):
        assert Bilan.objects.filter(consultant__email=email).count() >= 3


def test_the_demo_beneficiary_has_modalites_waiting_for_her_validation() -> None:
    demo()
    bilan = Bilan.objects.get(beneficiary__email="beneficiaire@demo.test")
    assert bilan.status == Status.PRELIMINARY
    assert bilan.active_consent() is not None
    assert bilan.preliminary_outputs_missing() == [
        "la validation des modalités par le ou la bénéficiaire"
    ]


def test_the_enquiry_of_the_demo_consultant_has_paper_consent_and_is_not_started() -> None:
    demo()
    bilan = Bilan.objects.get(beneficiary__email="beneficiaire.demande@demo.test")
    assert bilan.status == Status.ENQUIRY
    assert bilan.consultant.email == "consultante@demo.test"
    consent = bilan.active_consent()
    assert consent is not None and consent.method == ConsentMethod.PAPER
    assert not bilan.status_changes.exists()


def test_the_dashboards_have_upcoming_and_overdue_entretiens() -> None:
    demo()
    assert Entretien.objects.upcoming().count() >= 3
    assert Entretien.objects.overdue().count() == 1


def test_stopped_demo_bilans_carry_a_reason_category() -> None:
    demo()
    for bilan in Bilan.objects.filter(status__in=[Status.INTERRUPTED, Status.ABANDONED]):
        assert bilan.stop_reason
        last = bilan.status_changes.last()
        assert last is not None and last.reason == bilan.stop_reason


def test_the_second_organisation_shares_no_bilan_or_member_with_the_first() -> None:
    demo()
    cap = Organisation.objects.get(slug="demo-cap-avenir")
    horizon = Organisation.objects.get(slug="demo-horizon")
    assert Bilan.objects.filter(organisation=horizon).exists()

    cap_people = set(cap.memberships.values_list("user", flat=True))
    horizon_people = set(horizon.memberships.values_list("user", flat=True))
    assert horizon_people and not cap_people & horizon_people
    for bilan in Bilan.objects.filter(organisation=horizon):
        assert {bilan.beneficiary_id, bilan.consultant_id} <= horizon_people

    horizon_admin = Membership.objects.get(user__email="admin@horizon.demo.test").user
    horizon_admin.membership = horizon_admin.memberships.get()
    cap_admin = Membership.objects.get(user__email="admin@demo.test").user
    cap_admin.membership = cap_admin.memberships.get()
    assert not Bilan.objects.for_user(horizon_admin).filter(organisation=cap).exists()
    assert not Bilan.objects.for_user(cap_admin).filter(organisation=horizon).exists()


def test_the_demo_is_quiet_at_verbosity_zero() -> None:
    out = StringIO()
    call_command("demo", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_the_demo_explores_metiers_with_camille() -> None:
    output = demo()
    assert "Référentiel ROME : fixture de test" in output
    bilan = Bilan.objects.get(beneficiary__email="camille.rousseau@demo.test")
    assert set(SavedFiche.objects.filter(bilan=bilan).values_list("code_rome", flat=True)) == {
        "E1205",
        "K2111",
    }
    option = CareerOption.objects.get(bilan=bilan)
    assert option.status == "exploring" and EnqueteMetier.objects.filter(career_option=option)
    run = MatchRun.objects.get(bilan=bilan)
    assert run.reviewed_at is not None and len(run.results) == 10


def test_the_demo_has_an_opco_bilan_invoiced_and_a_contract_in_its_withdrawal_period() -> None:
    demo()
    invoice = Invoice.objects.issued().get(bilan__beneficiary__email="karim.haddad@demo.test")
    assert invoice.payer_kind == "opco" and invoice.number.startswith("F-")
    contract = PersonalFundsContract.objects.get(
        bilan__beneficiary__email="thomas.garcia@demo.test"
    )
    assert contract.in_withdrawal_period(timezone.localdate())
    assert contract.instalments.count() == 3
    assert Membership.objects.get(user__email="thomas.garcia@demo.test").role == Role.BENEFICIARY
