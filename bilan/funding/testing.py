"""Helpers for the funding tests (and the browser test): bilans at a stage, share inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from bilan.bilans.models import Bilan, FundingRoute, Status
from bilan.funding import rules
from bilan.funding.models import QualiopiCategory, QualiopiCertificate
from bilan.funding.rules import ShareInput
from bilan.organisations.models import Organisation


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


def certify(organisation: Organisation, *, until: dt.date | None = None) -> QualiopiCertificate:
    """A Qualiopi certificate covering bilans, in force today (until a year from now)."""
    today = timezone.localdate()
    return QualiopiCertificate.objects.create(
        organisation=organisation,
        number="QUALIOPI-2024-001",
        certifier="AFNOR Certification",
        categories=[QualiopiCategory.TRAINING, QualiopiCategory.BILAN],
        valid_from=today - dt.timedelta(days=700),
        valid_until=until or today + dt.timedelta(days=365),
    )
