"""Billing's demo data (called by `manage.py demo`, idempotent): complete billing profiles,
Karim's OPCO bilan invoiced (an issued invoice, F-<year>-0001), and a self-paying
beneficiary, Thomas, whose personal-funds contract is inside its withdrawal period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from bilan.accounts.models import User
from bilan.bilans.actions import create_bilan
from bilan.bilans.models import Bilan, Format, FundingRoute, Situation
from bilan.billing import contracts, invoicing
from bilan.billing.models import BillingProfile, DocumentKind, Invoice, PayerKind, VatStatus
from bilan.organisations.models import Membership, Organisation, Role

TERMS = (
    "Conditions générales de vente — bilan de compétences.\n"
    "1. Le prix comprend les entretiens, les tests et le document de synthèse.\n"
    "2. Vous disposez d'un délai de rétractation de 14 jours à compter de la signature.\n"
    "3. Aucune somme n'est exigée avant la fin de ce délai ; 30 % au plus à son terme, le "
    "solde au fil du bilan.\n"
    "4. En cas d'abandon pour force majeure dûment reconnue, seules les prestations "
    "effectivement dispensées sont dues au prorata."
)
MEDIATOR = "CM2C — Centre de la médiation de la consommation, 49 rue de Ponthieu, 75008 Paris, www.cm2c.net"

OPCO_BENEFICIARY = "karim.haddad@demo.test"
PERSONAL_BENEFICIARY = "thomas.garcia@demo.test"


def member(org: Organisation, user: User) -> User:
    user.membership = Membership.objects.select_related("organisation").get(
        user=user, organisation=org
    )
    return user


def profile(org: Organisation) -> BillingProfile:
    found = BillingProfile.for_organisation(org)
    found.vat_status = VatStatus.EXEMPT
    found.vat_exemption_article = "art. 261-4-4° a du CGI"
    found.terms_of_sale = TERMS
    found.mediator = MEDIATOR
    found.save()
    return found


def seed(orgs: dict[str, Organisation], *, password: str) -> None:
    for org in orgs.values():
        profile(org)
    org = orgs["demo-cap-avenir"]
    admin_membership = Membership.objects.filter(organisation=org, role=Role.ADMIN).first()
    if admin_membership is None:
        return
    admin = member(org, admin_membership.user)
    opco_bilan = Bilan.objects.filter(organisation=org, beneficiary__email=OPCO_BENEFICIARY).first()
    if opco_bilan is not None and not Invoice.objects.filter(bilan=opco_bilan).exists():
        document = invoicing.create_document(
            by=admin,
            bilan=opco_bilan,
            kind=DocumentKind.INVOICE,
            payer_kind=PayerKind.OPCO,
            payer_name="OPCO 2i — service des prises en charge",
            payer_address="Service financement\n75008 Paris",
            payer_reference="26-114580",
            lines=[
                invoicing.LineData(
                    "Bilan de compétences — 19 h d'accompagnement, 5 h de travail personnel",
                    Decimal("1"),
                    Decimal("1890.00"),
                )
            ],
        )
        invoicing.issue_document(by=admin, document=document)
    personal_contract(org, admin, password=password)


def personal_contract(org: Organisation, admin: User, *, password: str) -> None:
    """Thomas pays his bilan himself: contract signed five days ago, still withdrawable."""
    user, _ = User.objects.get_or_create(
        email=PERSONAL_BENEFICIARY,
        defaults={"first_name": "Thomas", "last_name": "Garcia", "password": password},
    )
    Membership.objects.get_or_create(
        user=user, organisation=org, defaults={"role": Role.BENEFICIARY}
    )
    if Bilan.objects.filter(beneficiary=user).exists():
        return
    consultant = member(org, User.objects.get(email="consultante@demo.test"))
    bilan = create_bilan(
        acting_user=admin,
        organisation=org,
        email=PERSONAL_BENEFICIARY,
        first_name="Thomas",
        last_name="Garcia",
        situation=Situation.EMPLOYEE,
        situation_detail="Serveur en brasserie",
        request_text=(
            "Je finance mon bilan moi-même : je veux savoir si je peux devenir éducateur "
            "sportif sans quitter mon emploi tout de suite."
        ),
        funding_route=FundingRoute.PERSONAL,
        funding_reference="Contrat fonds personnels",
        format=Format.IN_PERSON,
        consultant=consultant,
    )
    signed_on = timezone.localdate() - dt.timedelta(days=5)
    contract = contracts.create_contract(
        by=admin, bilan=bilan, price=Decimal("1500.00"), signed_on=signed_on
    )
    first = contract.withdrawal_ends_on + dt.timedelta(days=1)
    contracts.set_schedule(
        by=admin,
        contract=contract,
        instalments=[
            contracts.InstalmentData(first, Decimal("450.00"), "fin du délai de rétractation"),
            contracts.InstalmentData(
                first + dt.timedelta(days=30), Decimal("525.00"), "fin de la phase d'investigation"
            ),
            contracts.InstalmentData(
                first + dt.timedelta(days=60), Decimal("525.00"), "remise de la synthèse"
            ),
        ],
    )
