"""Helpers for the billing tests: a complete billing profile and a drafted OPCO invoice."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from bilan.bilans.models import Bilan
from bilan.billing import invoicing
from bilan.billing.models import BillingProfile, DocumentKind, Invoice, PayerKind, VatStatus
from bilan.organisations.models import Organisation

MEDIATOR = "CM2C, 49 rue de Ponthieu, 75008 Paris — www.cm2c.net"
TERMS = "Conditions générales de vente : le prix comprend les entretiens et les tests."


def complete_profile(organisation: Organisation) -> BillingProfile:
    profile = BillingProfile.for_organisation(organisation)
    profile.address = "27 rue de la République\n69002 Lyon"
    profile.vat_status = VatStatus.EXEMPT
    profile.vat_exemption_article = "art. 261-4-4° a du CGI"
    profile.terms_of_sale = TERMS
    profile.mediator = MEDIATOR
    profile.save()
    return profile


def draft(
    bilan: Bilan, by: object, *, kind: str = DocumentKind.INVOICE, price: str = "1800.00"
) -> Invoice:
    return invoicing.create_document(
        by=by,  # type: ignore[arg-type]
        bilan=bilan,
        kind=kind,
        payer_kind=PayerKind.OPCO,
        payer_name="OPCO Atlas",
        payer_address="25 quai Panhard et Levassor\n75013 Paris",
        payer_reference="PEC-2026-0042",
        lines=[
            invoicing.LineData(
                label="Bilan de compétences (24 h)",
                quantity=Decimal("1"),
                unit_price=Decimal(price),
            )
        ],
    )


@pytest.fixture
def billing(cast: SimpleNamespace) -> SimpleNamespace:
    """The cast's organisation with a complete billing profile."""
    cast.profile = complete_profile(cast.org)
    return cast
