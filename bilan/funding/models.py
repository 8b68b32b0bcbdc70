"""A bilan's funding: one `Funding` per bilan, its shares (co-funding), and the log of changes.

Administrative data (document class ADMIN_CONTRAT), never content. Every change goes through
`bilan.funding.rules` (the one owner): the models only hold the data.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Bilan, FundingRoute
from bilan.compliance.content import DocumentClass


class PayerKind(models.TextChoices):
    CDC = "cdc", _("Caisse des Dépôts (CPF)")
    EMPLOYER = "employer", _("employeur")
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    BENEFICIARY = "beneficiary", _("bénéficiaire")
    OTHER = "other", _("autre payeur")


# Who pays a share of each route, unless the share says otherwise.
DEFAULT_PAYER: dict[str, str] = {
    FundingRoute.CPF: PayerKind.CDC,
    FundingRoute.EMPLOYER_PLAN: PayerKind.EMPLOYER,
    FundingRoute.OPCO: PayerKind.OPCO,
    FundingRoute.FRANCE_TRAVAIL: PayerKind.FRANCE_TRAVAIL,
    FundingRoute.PERSONAL: PayerKind.BENEFICIARY,
    FundingRoute.CONGE_RECLASSEMENT: PayerKind.EMPLOYER,
    FundingRoute.OTHER: PayerKind.OTHER,
}


class KairosStatus(models.TextChoices):
    NONE = "", _("—")
    DRAFT = "draft", _("devis à saisir")
    SUBMITTED = "submitted", _("devis transmis")
    VALIDATED = "validated", _("devis validé")
    REFUSED = "refused", _("devis refusé")


class Funding(models.Model):
    """The funding of one bilan: its price and its shares (at least one: the primary route)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="funding")
    price = models.DecimalField(
        _("prix du bilan (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Financement {self.bilan_id}"


class FundingShare(models.Model):
    """One payer's share: the route, who pays, how much (euros), and the route's references."""

    document_class = DocumentClass.ADMIN_CONTRAT

    funding = models.ForeignKey(Funding, on_delete=models.CASCADE, related_name="shares")
    position = models.PositiveSmallIntegerField(default=0)  # 0: the primary share
    route = models.CharField(_("financement"), max_length=20, choices=FundingRoute.choices)
    payer_kind = models.CharField(_("type de payeur"), max_length=20, choices=PayerKind.choices)
    payer_name = models.CharField(_("payeur"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("montant (€)"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    opco_agreement_number = models.CharField(
        _("numéro de prise en charge OPCO"), max_length=100, blank=True
    )
    opco_agreed_amount = models.DecimalField(
        _("montant pris en charge par l'OPCO (€)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
    )
    kairos_quote_number = models.CharField(_("numéro de devis KAIROS"), max_length=50, blank=True)
    kairos_status = models.CharField(
        _("statut du devis KAIROS"), max_length=20, choices=KairosStatus.choices, blank=True
    )

    class Meta:
        ordering = ["funding", "position"]
        constraints = [
            models.UniqueConstraint(fields=["funding", "position"], name="one_share_per_position"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="funding_share_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()} {self.amount} €"


class FundingChange(models.Model):
    """Who changed a bilan's funding, when, why, and the funding before and after."""

    document_class = DocumentClass.ADMIN_CONTRAT

    funding = models.ForeignKey(Funding, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    correction = models.BooleanField(_("correction d'un bilan clos"), default=False)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.reason}"
