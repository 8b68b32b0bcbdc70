"""The tenant (organisme prestataire), its members and their roles, and its dated hour rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.lib.dates import check_person_date, in_db_date_window


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def validate_siret(value: str) -> None:
    if not (len(value) == 14 and value.isascii() and value.isdigit()):
        raise ValidationError(_("Le SIRET compte 14 chiffres."))
    # La Poste's establishments are the one documented exception to the Luhn key.
    if not luhn_ok(value) and not value.startswith("356000000"):
        raise ValidationError(_("Ce SIRET n'est pas valide (clé de contrôle incorrecte)."))


def default_mfa_grace_days() -> int:
    """A new organisation's MFA grace period: MFA_GRACE_DAYS (14), which its admin may change."""
    days: int = settings.MFA_GRACE_DAYS
    return days


class Organisation(models.Model):
    """An organisme prestataire de bilans de compétences."""

    name = models.CharField(_("raison sociale"), max_length=200)
    slug = models.SlugField(unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    nda = models.CharField(
        _("numéro de déclaration d'activité (NDA)"),
        max_length=11,
        validators=[RegexValidator(r"^\d{11}$", _("Le NDA compte 11 chiffres."))],
    )
    qualiopi_certificate = models.CharField(
        _("numéro de certificat Qualiopi"), max_length=100, blank=True
    )
    qualiopi_expires_on = models.DateField(
        _("fin de validité Qualiopi"), null=True, blank=True, validators=[check_person_date]
    )
    address = models.TextField(_("adresse"), blank=True)
    mfa_grace_days = models.PositiveSmallIntegerField(
        _("délai pour activer la double authentification (jours)"),
        default=default_mfa_grace_days,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "Après ce délai, un·e consultant·e ou un·e administrateur·rice sans double "
            "authentification ne peut plus travailler avant de l'avoir activée (0 : tout de suite)."
        ),
    )
    logo = models.FileField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        # Re-encoded as PNG by organisations.logos: never an SVG (script) nor the raw upload.
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "webp"])],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisme prestataire")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=in_db_date_window("qualiopi_expires_on"),
                name="organisation_qualiopi_expires_on_in_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def qualiopi_valid_on(self, day: dt.date) -> bool:
        expires_on = self.qualiopi_expires_on
        return bool(self.qualiopi_certificate) and expires_on is not None and expires_on >= day

    def hours_rule(self, day: dt.date) -> HoursRule:
        return HoursRule.in_force(self, day)


class Role(models.TextChoices):
    ADMIN = "admin", _("administration / qualité")
    CONSULTANT = "consultant", _("consultant·e")
    BENEFICIARY = "beneficiary", _("bénéficiaire")
    # Funders (REQ-16, REQ-30): tied to bilans by their funding share, administrative data only.
    EMPLOYER = "employer", _("employeur")
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("conseiller·ère France Travail")


# The funder roles: they never see content, nor any bilan but through the funding feature.
FUNDER_ROLES = (Role.EMPLOYER, Role.OPCO, Role.FRANCE_TRAVAIL)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True, user__is_active=True)

    def consultants(self) -> MembershipQuerySet:
        return self.active().filter(role=Role.CONSULTANT)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            # One role per person per organisation keeps every access check unambiguous.
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.organisation})"

    @property
    def mfa_grace_days(self) -> int:
        """Read by accounts.mfa (StaffRole): the organisation's MFA grace period."""
        return self.organisation.mfa_grace_days

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_consultant(self) -> bool:
        return self.role == Role.CONSULTANT

    @property
    def is_beneficiary(self) -> bool:
        return self.role == Role.BENEFICIARY

    @property
    def is_funder(self) -> bool:
        return self.role in FUNDER_ROLES

    @property
    def is_staff_side(self) -> bool:
        return self.role in (Role.ADMIN, Role.CONSULTANT)


class HoursRule(models.Model):
    """Hour limits in force from a date, for all organisations (organisation empty) or one.

    The 24 h ceiling (L6313-4), the 13 h minimum of accompagnement effectif (R6313-4 as amended
    in 2026) and whether personal work counts in the ceiling are data, not constants in code.
    """

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="hours_rules"
    )
    effective_from = models.DateField(_("en vigueur à partir du"), validators=[check_person_date])
    max_total_minutes = models.PositiveIntegerField(_("durée maximale (minutes)"), default=24 * 60)
    min_accompaniment_minutes = models.PositiveIntegerField(
        _("accompagnement minimal (minutes)"), default=0
    )
    count_personal_work = models.BooleanField(
        _("le travail personnel compte dans la durée maximale"), default=True
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "effective_from"], name="one_rule_per_org_and_date"
            ),
            models.CheckConstraint(
                condition=in_db_date_window("effective_from"),
                name="hoursrule_effective_from_in_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: ≤ {self.max_total_minutes / 60:g} h"

    @classmethod
    def in_force(cls, organisation: Organisation | None, day: dt.date) -> HoursRule:
        """The newest rule in force on `day`, general or the organisation's own."""
        return cls.table(organisation)(day)

    @classmethod
    def table(cls, organisation: Organisation | None) -> Callable[[dt.date], HoursRule]:
        """Load the rules once; the returned function picks the one in force on a day.

        Dashboards use it to price many bilans with a single query.
        """
        org_id = organisation.pk if organisation is not None else None
        rules = list(
            cls.objects.filter(
                models.Q(organisation__isnull=True) | models.Q(organisation_id=org_id)
            )
        )

        def pick(day: dt.date) -> HoursRule:
            # The newest rule wins, the organisation's on a tie: a later change of the law
            # replaces an older local setting, which the organisation re-dates if it still holds.
            dated = sorted(
                (r for r in rules if r.effective_from <= day),
                key=lambda r: (r.effective_from, r.organisation_id is not None),
                reverse=True,
            )
            # Without any row (an empty test database) the statutory values apply.
            return dated[0] if dated else cls(effective_from=day, max_total_minutes=24 * 60)

        return pick


# Stand-in accounts live in the reserved `.invalid` domain (RFC 2606): they can never receive
# mail nor log in. lib.emails drops such recipients.
PLACEHOLDER_DOMAIN = "invitation.invalid"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, declined_at__isnull=True)

    def for_address(self, email: str) -> InvitationQuerySet:
        return self.filter(email__iexact=email.strip())


class Invitation(models.Model):
    """An organisation's invitation to a person who already has an account elsewhere.

    Nothing of that account is touched until she accepts it while logged in: the organisation
    works meanwhile with a stand-in account (`placeholder`, the name the organisation typed,
    an unroutable address), which her acceptance merges into her own. Whether the address had
    an account, and under which name, is never disclosed to the inviting organisation.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("adresse e-mail invitée"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    placeholder = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="placeholder_invitation",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accepted_invitations",
    )
    declined_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=models.Q(accepted_at__isnull=True, declined_at__isnull=True),
                name="one_pending_invitation_per_org_and_address",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.declined_at is None
