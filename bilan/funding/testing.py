"""Helpers for the funding tests (and the browser test): bilans at a stage, share inputs."""

from __future__ import annotations

from decimal import Decimal

from bilan.bilans.models import Bilan, FundingRoute, Status
from bilan.funding import rules
from bilan.funding.rules import ShareInput


def at_status(bilan: Bilan, status: str) -> Bilan:
    """Put a bilan at `status` directly (the lifecycle has its own tests)."""
    Bilan.objects.filter(pk=bilan.pk).update(status=status)
    bilan.refresh_from_db()
    return bilan


def started(bilan: Bilan) -> Bilan:
    return at_status(bilan, Status.PRELIMINARY)


def cpf(amount: str = "1600.00", reference: str = "CPF-123456789") -> ShareInput:
    return ShareInput(route=FundingRoute.CPF, amount=Decimal(amount), reference=reference)


def employer(amount: str = "400.00", name: str = "Boulangerie Dupain") -> ShareInput:
    return ShareInput(route=FundingRoute.EMPLOYER_PLAN, amount=Decimal(amount), payer_name=name)


def personal(amount: str = "200.00") -> ShareInput:
    return ShareInput(route=FundingRoute.PERSONAL, amount=Decimal(amount))


def cpf_file_ready(bilan: Bilan) -> None:
    """The CPF file's answers given: « non » to the 5-year question, the CGU version."""
    funding = rules.funding_of(bilan)
    type(funding).objects.filter(pk=funding.pk).update(
        prior_bilan_answer="no", cpf_cgu_version="v12"
    )
