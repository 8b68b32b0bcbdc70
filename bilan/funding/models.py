"""A bilan's funding: one `Funding` per bilan, its shares (co-funding), and the log of changes.

Administrative data (document class ADMIN_CONTRAT), never content. Every change goes through
`bilan.funding.rules` (the one owner): the models only hold the data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.bilans.content import DocumentClass
from bilan.bilans.models import Bilan, FundingRoute
from bilan.lib.dates import in_db_date_window
from bilan.organisations.models import Organisation


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


class PriorBilanAnswer(models.TextChoices):
    NOT_ASKED = "", _("question non posée")
    NO = "no", _("non")
    YES = "yes", _("oui")


class Exemption(models.TextChoices):
    """Exemptions from the CPF participation obligatoire (L6323-4 as amended, REQ-22)."""

    NONE = "", _("aucune")
    JOB_SEEKER = "job_seeker", _("demandeur·se d'emploi")
    ABONDEMENT = "abondement", _("abondement de l'employeur ou de l'OPCO")
    C2P = "c2p", _("points du compte professionnel de prévention (C2P)")
    AT_MP = "at_mp", _("incapacité AT/MP d'au moins 10 %")


PRIOR_BILAN_QUESTION = _(
    "Avez-vous bénéficié d'un bilan de compétences financé (CPF, OPCO, employeur, "
    "France Travail…) depuis moins de 5 ans ?"
)


class CpfRule(models.Model):
    """The CPF's rules for a bilan, in force from a date (REQ-22, REQ-23): data, not code.

    Each value cites its text; a row stays « à vérifier au JO » until an administrator
    confirms it (who, when)."""

    valid_from = models.DateField(_("en vigueur à partir du"), unique=True)
    year = models.PositiveSmallIntegerField(_("année"))
    cap_per_bilan = models.DecimalField(
        _("plafond CPF par bilan (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    cap_source = models.CharField(_("source du plafond"), max_length=300, blank=True)
    participation = models.DecimalField(
        _("participation obligatoire (€)"), max_digits=10, decimal_places=2
    )
    participation_source = models.CharField(
        _("source de la participation"), max_length=300, blank=True
    )
    prior_bilan_years = models.PositiveSmallIntegerField(
        _("délai depuis un bilan financé (années)"), null=True, blank=True
    )
    prior_bilan_source = models.CharField(_("source du délai"), max_length=300, blank=True)
    accompaniment_only = models.BooleanField(
        _("seules les heures d'accompagnement sont finançables"), default=True
    )
    accompaniment_source = models.CharField(
        _("source (heures d'accompagnement)"), max_length=300, blank=True
    )
    to_verify = models.BooleanField(_("à vérifier au JO"), default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"CPF {self.valid_from}"

    @classmethod
    def in_force(cls, day: dt.date) -> CpfRule:
        """The newest rule in force on `day` (the 2026 defaults when the table is empty)."""
        rule = cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
        return rule or cls(**DEFAULT_2026)


DEFAULT_2026: dict[str, object] = {
    "valid_from": dt.date(2026, 1, 1),
    "year": 2026,
    "cap_per_bilan": Decimal("1600.00"),
    "cap_source": "décret n° 2026-127 du 24/02/2026, loi de finances 2026 art. 203",
    "participation": Decimal("103.20"),
    "participation_source": "arrêté du 30/12/2025, art. L6323-4 C. trav.",
    "prior_bilan_years": 5,
    "prior_bilan_source": "décret n° 2026-126 du 24/02/2026",
    "accompaniment_only": True,
    "accompaniment_source": "art. D6323-6 C. trav., rédaction 2026",
    "to_verify": True,
}


class Funding(models.Model):
    """The funding of one bilan: its price and its shares (at least one: the primary route)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="funding")
    price = models.DecimalField(
        _("prix du bilan (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    prior_bilan_answer = models.CharField(
        PRIOR_BILAN_QUESTION, max_length=3, choices=PriorBilanAnswer.choices, blank=True
    )
    prior_bilan_answered_on = models.DateField(_("réponse donnée le"), null=True, blank=True)
    exemption = models.CharField(
        _("exonération déclarée de la participation"),
        max_length=20,
        choices=Exemption.choices,
        blank=True,
        help_text=_("C2P ou AT/MP ; demandeur d'emploi et abondement se déduisent du dossier."),
    )
    cpf_cgu_version = models.CharField(
        _("version des CGU Mon Compte Formation"), max_length=30, blank=True
    )
    # An EdofStatus value ("" before any): checked by funding.edof, its one owner.
    edof_status = models.CharField(_("statut du dossier EDOF"), max_length=20, blank=True)
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
    # The funder's account (employer, OPCO, France Travail role) that follows this share's
    # bilan in the administrative view: the one tie of a funder to a bilan (REQ-30).
    funder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="funded_shares",
        verbose_name=_("compte du financeur"),
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


class QualiopiCategory(models.TextChoices):
    """The categories of actions a Qualiopi certificate covers (L6313-1)."""

    TRAINING = "training", _("actions de formation")
    BILAN = "bilan", _("bilans de compétences")
    VAE = "vae", _("actions permettant de faire valider les acquis de l'expérience")
    APPRENTICESHIP = "apprenticeship", _("actions de formation par apprentissage")


class QualiopiCertificate(models.Model):
    """An organisation's Qualiopi certificate: what it covers, until when (REQ-19, L6316-1)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="qualiopi_certificates"
    )
    number = models.CharField(_("numéro du certificat"), max_length=100)
    certifier = models.CharField(_("organisme certificateur"), max_length=200)
    categories = models.JSONField(_("catégories d'actions"), default=list)
    valid_from = models.DateField(_("valable du"))
    valid_until = models.DateField(_("valable jusqu'au"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-valid_until", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="qualiopi_valid_until_after_valid_from",
            ),
            models.CheckConstraint(
                condition=in_db_date_window("valid_from") & in_db_date_window("valid_until"),
                name="qualiopi_dates_in_window",
            ),
        ]

    def __str__(self) -> str:
        return f"Qualiopi {self.number} → {self.valid_until}"

    @property
    def covers_bilan(self) -> bool:
        return QualiopiCategory.BILAN in self.categories


class EdofStatus(models.TextChoices):
    """The CPF file's status on EDOF (REQ-20, REQ-24), entered by staff or imported."""

    RECEIVED = "received", _("reçu")
    ACCEPTED = "accepted", _("accepté")
    ENTRY_DECLARED = "entry_declared", _("entrée déclarée")
    EXIT_DECLARED = "exit_declared", _("sortie déclarée")
    SERVICE_DONE = "service_done", _("service fait validé")
    CANCELLED = "cancelled", _("annulé")


class EdofStatusChange(models.Model):
    """Each status the CPF file took, when, by whom, from where (page, API or CSV import)."""

    document_class = DocumentClass.ADMIN_CONTRAT

    funding = models.ForeignKey(Funding, on_delete=models.CASCADE, related_name="edof_changes")
    status = models.CharField(_("statut EDOF"), max_length=20, choices=EdofStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    source = models.CharField(max_length=10, default="page")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.status} {self.at:%Y-%m-%d}"
