"""Billing (issue 13): the organisation's legal identity for invoices, quotes, invoices and
credit notes with their gapless numbering, the dated billing rules (withdrawal period, 30 %
cap, recovery indemnity) and the personal-funds contract with its instalments.

Owners of the rules: bilan/billing/invoicing.py (documents), bilan/billing/contracts.py
(the personal-funds contract), bilan/billing/bpf.py (the yearly figures). Nothing here is bilan
content: invoices and contracts are administration (REQ-30).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.models import Bilan, RuleViolation
from bilan.lib.dates import check_person_date, in_db_date_window
from bilan.organisations.models import Organisation, validate_siret

CENT = Decimal("0.01")

IMMUTABLE_MESSAGE = _(
    "Une pièce émise ne se modifie ni ne se supprime (numérotation continue, art. 242 nonies A "
    "de l'annexe II du CGI) : établissez un avoir."
)


class VatStatus(models.TextChoices):
    SUBJECT = "subject", _("assujetti à la TVA")
    EXEMPT = "exempt", _("exonéré de TVA")


class BillingProfile(models.Model):
    """The mentions an invoice of the organisation must carry (art. L441-9 C. com., art. 242
    nonies A ann. II CGI), and the consumer information of the personal-funds contract."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="billing_profile"
    )
    legal_name = models.CharField(_("raison sociale"), max_length=200, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    nda = models.CharField(
        _("numéro de déclaration d'activité (NDA)"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", _("Le NDA compte 11 chiffres."))],
    )
    address = models.TextField(_("adresse du siège"), blank=True)
    vat_status = models.CharField(
        _("régime de TVA"), max_length=10, choices=VatStatus.choices, blank=True
    )
    vat_number = models.CharField(
        _("numéro de TVA intracommunautaire"),
        max_length=20,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}[0-9A-Z]{2,13}$", _("Format attendu : FR12345678901."))
        ],
    )
    vat_rate = models.DecimalField(
        _("taux de TVA (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    vat_exemption_article = models.CharField(
        _("article d'exonération de TVA"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : art. 261-4-4° a du CGI (formation professionnelle continue)."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"),
        default=30,
        validators=[MaxValueValidator(60)],
        help_text=_("60 jours au plus à compter de l'émission (art. L441-10 C. com.)."),
    )
    late_penalty_rate = models.CharField(
        _("taux des pénalités de retard"),
        max_length=200,
        default="trois fois le taux d'intérêt légal",
        help_text=_("Au moins trois fois le taux d'intérêt légal (art. L441-10 C. com.)."),
    )
    terms_of_sale = models.TextField(_("conditions générales de vente"), blank=True)
    mediator = models.TextField(
        _("médiateur de la consommation"),
        blank=True,
        help_text=_("Nom, adresse et site du médiateur (art. L612-1 C. consom.)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profil de facturation")

    def __str__(self) -> str:
        return self.legal_name or str(self.organisation)

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> BillingProfile:
        """The profile, prefilled from the organisation's own record the first time."""
        profile, _created = cls.objects.get_or_create(
            organisation=organisation,
            defaults={
                "legal_name": organisation.name,
                "siret": organisation.siret,
                "nda": organisation.nda,
                "address": organisation.address,
            },
        )
        return profile

    def missing_mentions(self) -> list[str]:
        """The legal mentions still missing to issue an invoice (French labels)."""
        missing = []
        if not self.legal_name.strip():
            missing.append(_t("la raison sociale"))
        if not self.siret:
            missing.append(_t("le SIRET"))
        if not self.nda:
            missing.append(_t("le numéro de déclaration d'activité"))
        if not self.address.strip():
            missing.append(_t("l'adresse"))
        if not self.vat_status:
            missing.append(_t("le régime de TVA"))
        elif self.vat_status == VatStatus.SUBJECT and not self.vat_number:
            missing.append(_t("le numéro de TVA intracommunautaire"))
        elif self.vat_status == VatStatus.EXEMPT and not self.vat_exemption_article.strip():
            missing.append(_t("l'article d'exonération de TVA"))
        return missing

    def missing_consumer_information(self) -> list[str]:
        missing = []
        if not self.terms_of_sale.strip():
            missing.append(_t("les conditions générales de vente"))
        if not self.mediator.strip():
            missing.append(_t("le médiateur de la consommation"))
        return missing

    def vat_mention(self) -> str:
        if self.vat_status == VatStatus.EXEMPT:
            return _t("TVA non applicable, %(article)s") % {"article": self.vat_exemption_article}
        return _t("TVA au taux de %(rate)s %%, n° de TVA %(number)s") % {
            "rate": f"{self.vat_rate:.2f}".replace(".", ","),
            "number": self.vat_number,
        }

    @property
    def effective_vat_rate(self) -> Decimal:
        return self.vat_rate if self.vat_status == VatStatus.SUBJECT else Decimal("0")


class BillingRule(models.Model):
    """Dated billing rules, for all organisations (organisation empty) or one: the
    withdrawal period of the personal-funds contract (L6353-5 C. trav.), the share of the
    price payable at its end (L6353-6) and the recovery indemnity (L441-10, D441-5 C. com.).
    Seeded « à vérifier » until an administrator confirms them."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="billing_rules"
    )
    valid_from = models.DateField(_("en vigueur à partir du"), validators=[check_person_date])
    withdrawal_days = models.PositiveSmallIntegerField(
        _("délai de rétractation (jours)"),
        default=14,
        validators=[MinValueValidator(10), MaxValueValidator(60)],
        help_text=_("10 jours au moins (art. L6353-5 C. trav.) ; 14 jours par défaut."),
    )
    first_instalment_max_percent = models.DecimalField(
        _("premier versement maximal (% du prix)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("30.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("30"))],
    )
    recovery_indemnity = models.DecimalField(
        _("indemnité forfaitaire de recouvrement (€)"),
        default=Decimal("40.00"),
        max_digits=12,
        decimal_places=2,
    )
    source = models.CharField(_("source"), max_length=300)
    to_verify = models.BooleanField(_("à vérifier"), default=True)

    class Meta:
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "valid_from"], name="one_billing_rule_per_org_and_date"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("valid_from"), name="billingrule_valid_from_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.withdrawal_days} j"

    @classmethod
    def in_force(cls, organisation: Organisation | None, day: dt.date) -> BillingRule:
        return cls.table(organisation)(day)

    @classmethod
    def table(cls, organisation: Organisation | None) -> Callable[[dt.date], BillingRule]:
        org_id = organisation.pk if organisation is not None else None
        rules = list(
            cls.objects.filter(
                models.Q(organisation__isnull=True) | models.Q(organisation_id=org_id)
            )
        )

        def pick(day: dt.date) -> BillingRule:
            # As HoursRule: the newest rule wins, the organisation's own on a tie.
            dated = sorted(
                (r for r in rules if r.valid_from <= day),
                key=lambda r: (r.valid_from, r.organisation_id is not None),
                reverse=True,
            )
            return dated[0] if dated else cls(valid_from=day, source=DEFAULT_SOURCE)

        return pick


DEFAULT_SOURCE = "L6353-5 et L6353-6 C. trav. ; L441-10 et D441-5 C. com."


class DocumentKind(models.TextChoices):
    QUOTE = "quote", _("devis")
    INVOICE = "invoice", _("facture")
    CREDIT_NOTE = "credit_note", _("avoir")


NUMBER_PREFIX = {DocumentKind.QUOTE: "D", DocumentKind.INVOICE: "F", DocumentKind.CREDIT_NOTE: "A"}


class InvoicePayerKind(models.TextChoices):
    """Who pays, by the BPF's funder types (REQ-33)."""

    CPF = "cpf", _("CPF (Caisse des Dépôts)")
    EMPLOYER = "employer", _("employeur")
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    BENEFICIARY = "beneficiary", _("bénéficiaire (fonds personnels)")
    OTHER = "other", _("autre financeur")


# The API names its schemas by class: funding has its own PayerKind (a share's payer).
PayerKind = InvoicePayerKind


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("brouillon")
    ISSUED = "issued", _("émis")


class NumberCounter(models.Model):
    """The last number given, per organisation, kind and year: locked (select_for_update)
    while a number is allocated, so numbers follow without gaps nor duplicates."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "year"], name="one_counter_per_org_kind_year"
            )
        ]

    def __str__(self) -> str:
        return f"{NUMBER_PREFIX[DocumentKind(self.kind)]}-{self.year}: {self.last}"


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def issued(self) -> InvoiceQuerySet:
        return self.filter(status=DocumentStatus.ISSUED)

    def of_organisation(self, organisation_id: int) -> InvoiceQuerySet:
        return self.filter(organisation_id=organisation_id)

    def addressed_to(self, user: Any) -> InvoiceQuerySet:
        """The issued pieces a beneficiary pays herself, for her own bilans."""
        return self.issued().filter(payer_kind=PayerKind.BENEFICIARY, bilan__beneficiary=user)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        # Bulk writes skip save(): an issued piece is refused here too.
        if self.filter(status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().update(**kwargs)


class InvoiceLineQuerySet(models.QuerySet["InvoiceLine"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(invoice__status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().delete()

    def update(self, **kwargs: Any) -> int:
        if self.filter(invoice__status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().update(**kwargs)


class Invoice(models.Model):
    """A quote, an invoice or a credit note. A draft has no number; issuing gives it the next
    number of its series and freezes it, with the seller's mentions copied as they were."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="invoices"
    )
    bilan = models.ForeignKey(Bilan, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(_("type"), max_length=20, choices=DocumentKind.choices)
    status = models.CharField(
        _("statut"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    number = models.CharField(_("numéro"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    payer_kind = models.CharField(_("payeur"), max_length=20, choices=PayerKind.choices)
    payer_name = models.CharField(_("nom du payeur"), max_length=200)
    payer_address = models.TextField(_("adresse du payeur"))
    payer_reference = models.CharField(
        _("référence du payeur"),
        max_length=100,
        blank=True,
        help_text=_("N° de prise en charge OPCO, de dossier CPF, de devis KAIROS…"),
    )
    credited_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("facture annulée"),
    )
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    issued_on = models.DateField(_("date d'émission"), null=True, blank=True)
    due_on = models.DateField(_("date d'échéance"), null=True, blank=True)
    # The seller's mentions as they were when the piece was issued.
    seller_name = models.CharField(max_length=200, blank=True)
    seller_siret = models.CharField(max_length=14, blank=True)
    seller_nda = models.CharField(max_length=11, blank=True)
    seller_address = models.TextField(blank=True)
    vat_mention = models.CharField(max_length=300, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    late_penalty_rate = models.CharField(max_length=200, blank=True)
    recovery_indemnity = models.DecimalField(default=Decimal("0"), max_digits=12, decimal_places=2)
    total_ht = models.DecimalField(
        _("total HT"), default=Decimal("0"), max_digits=12, decimal_places=2
    )
    total_vat = models.DecimalField(_("TVA"), default=Decimal("0"), max_digits=12, decimal_places=2)
    total_ttc = models.DecimalField(
        _("total TTC"), default=Decimal("0"), max_digits=12, decimal_places=2
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"],
                condition=~models.Q(number=""),
                name="one_number_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="one_sequence_per_series",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", number="")
                | (models.Q(status="issued") & ~models.Q(number="")),
                name="issued_iff_numbered",
            ),
        ]

    def __str__(self) -> str:
        return self.number or _t("%(kind)s brouillon") % {"kind": self.get_kind_display()}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and Invoice.objects.filter(pk=self.pk, status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.pk and Invoice.objects.filter(pk=self.pk, status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.status == DocumentStatus.ISSUED

    def credited_amount(self) -> Decimal:
        total = self.credit_notes.issued().aggregate(t=models.Sum("total_ttc"))["t"]
        return total or Decimal("0")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    label = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(
        _("quantité"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(CENT)],
    )
    unit_price = models.DecimalField(
        _("prix unitaire HT (€)"),
        validators=[MinValueValidator(CENT)],
        max_digits=12,
        decimal_places=2,
    )
    order = models.PositiveSmallIntegerField(default=0)

    objects = InvoiceLineQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Invoice.objects.filter(pk=self.invoice_id, status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Invoice.objects.filter(pk=self.invoice_id, status=DocumentStatus.ISSUED).exists():
            raise RuleViolation(str(IMMUTABLE_MESSAGE))
        return super().delete(*args, **kwargs)

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT)


class ContractStatus(models.TextChoices):
    SIGNED = "signed", _("signé")
    WITHDRAWN = "withdrawn", _("rétracté")


class PersonalFundsContract(models.Model):
    """The contrat de formation professionnelle of a beneficiary paying herself (L6353-3 to
    -7 C. trav.): price, terms of sale and mediator as shown, the withdrawal period as it was
    in force at signature, and the instalments (see bilan/billing/contracts.py)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="personal_contracts"
    )
    bilan = models.OneToOneField(Bilan, on_delete=models.PROTECT, related_name="personal_contract")
    price = models.DecimalField(
        _("prix TTC (€)"), validators=[MinValueValidator(CENT)], max_digits=12, decimal_places=2
    )
    signed_on = models.DateField(_("signé le"), validators=[check_person_date])
    withdrawal_days = models.PositiveSmallIntegerField(_("délai de rétractation (jours)"))
    first_instalment_max_percent = models.DecimalField(max_digits=5, decimal_places=2)
    rule_source = models.CharField(max_length=300)
    terms_of_sale = models.TextField(_("conditions générales de vente"))
    mediator = models.TextField(_("médiateur de la consommation"))
    status = models.CharField(
        max_length=10, choices=ContractStatus.choices, default=ContractStatus.SIGNED
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("signed_on"), name="contract_signed_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return _t("Contrat %(ref)s") % {"ref": self.bilan.reference}

    @property
    def withdrawal_ends_on(self) -> dt.date:
        """The last day the beneficiary may withdraw: signature + the period's days."""
        return self.signed_on + dt.timedelta(days=self.withdrawal_days)

    def in_withdrawal_period(self, day: dt.date) -> bool:
        return self.signed_on <= day <= self.withdrawal_ends_on

    @property
    def first_instalment_max(self) -> Decimal:
        return (self.price * self.first_instalment_max_percent / 100).quantize(CENT)


class Instalment(models.Model):
    contract = models.ForeignKey(
        PersonalFundsContract, on_delete=models.CASCADE, related_name="instalments"
    )
    due_on = models.DateField(_("échéance"), validators=[check_person_date])
    amount = models.DecimalField(
        _("montant (€)"), validators=[MinValueValidator(CENT)], max_digits=12, decimal_places=2
    )
    milestone = models.CharField(_("étape du bilan"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["due_on", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("due_on"), name="instalment_due_on_in_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.amount} €"


class ContractEvent(models.Model):
    """Who did what to a contract, and when (signature, schedule, withdrawal)."""

    class Action(models.TextChoices):
        SIGNED = "signed", _("contrat enregistré")
        SCHEDULED = "scheduled", _("échéancier enregistré")
        WITHDRAWN = "withdrawn", _("rétractation")

    contract = models.ForeignKey(
        PersonalFundsContract, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d})"
