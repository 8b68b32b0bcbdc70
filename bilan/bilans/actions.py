"""Work that spans several models: creating a bilan (and its beneficiary's account)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import (
    Bilan,
    BilanFraming,
    ConsultantAssignment,
    RuleViolation,
    check_administration,
)
from bilan.organisations.invitations import invite_member
from bilan.organisations.models import Membership, Organisation, Role


def role_in(user: User, organisation: Organisation) -> str | None:
    """The role `user` holds in `organisation` through an active membership, if any."""
    return (
        Membership.objects.active()
        .filter(user=user, organisation=organisation)
        .values_list("role", flat=True)
        .first()
    )


def consultants_open_to(acting_user: User, organisation: Organisation) -> QuerySet[User]:
    """The consultants `acting_user` may give a new bilan to: an admin any consultant of the
    organisation; a consultant themself only (giving it to a colleague is reassignment, the
    administration's act); anyone else nobody."""
    consultants = User.objects.filter(
        pk__in=Membership.objects.consultants().filter(organisation=organisation).values("user_id")
    )
    role = role_in(acting_user, organisation)
    if role == Role.ADMIN:
        return consultants
    if role == Role.CONSULTANT:
        return consultants.filter(pk=acting_user.pk)
    return consultants.none()


def check_consultant_for_new_bilan(
    acting_user: User, organisation: Organisation, consultant: User
) -> None:
    """Refuse a new bilan's consultant whom `consultants_open_to` does not offer `acting_user`:
    not a consultant of the organisation (422), or not this person's to choose (403)."""
    if role_in(acting_user, organisation) not in (Role.ADMIN, Role.CONSULTANT):
        raise RuleViolation(
            _t("Seul le personnel de l'organisme ouvre un bilan."), code="forbidden"
        )
    if (
        not Membership.objects.consultants()
        .filter(user=consultant, organisation=organisation)
        .exists()
    ):
        raise RuleViolation(_t("Choisissez un·e consultant·e de l'organisme."), code="invalid")
    if not consultants_open_to(acting_user, organisation).filter(pk=consultant.pk).exists():
        raise RuleViolation(
            _t(
                "Un·e consultant·e ouvre un bilan pour son propre suivi ; "
                "l'administration peut ensuite le confier à un·e collègue."
            ),
            code="forbidden",
        )


def create_bilan(
    *,
    acting_user: User,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    situation: str,
    situation_detail: str = "",
    request_text: str = "",
    funding_route: str,
    funding_reference: str = "",
    format: str,
    consultant: User,
) -> Bilan:
    """Open a bilan (status « demande ») for a new or existing beneficiary."""
    check_consultant_for_new_bilan(acting_user, organisation, consultant)
    check_administration(
        situation=situation,
        situation_detail=situation_detail,
        funding_route=funding_route,
        funding_reference=funding_reference,
    )
    with transaction.atomic():
        membership = invite_member(
            acting_user=acting_user,
            organisation=organisation,
            email=email,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            role=Role.BENEFICIARY,
        )
        bilan = Bilan(
            organisation=organisation,
            beneficiary=membership.user,
            consultant=consultant,
            situation=situation,
            situation_detail=situation_detail.strip(),
            funding_route=funding_route,
            funding_reference=funding_reference.strip(),
            format=format,
            created_by=acting_user,
        )
        bilan.full_clean()
        bilan.save()
        ConsultantAssignment.objects.create(
            bilan=bilan, consultant=consultant, assigned_by=acting_user
        )
        BilanFraming.objects.create(bilan=bilan, request_text=request_text)
    return bilan


def update_bilan_administration(
    *,
    acting_user: User,
    bilan: Bilan,
    first_name: str,
    last_name: str,
    phone: str,
    situation: str,
    situation_detail: str = "",
    funding_route: str,
    funding_reference: str = "",
) -> None:
    """Correct the beneficiary's identity and the bilan's administrative record together."""
    with transaction.atomic():
        bilan.update_administration(
            by=acting_user,
            situation=situation,
            situation_detail=situation_detail,
            funding_route=funding_route,
            funding_reference=funding_reference,
        )
        beneficiary = User.objects.get(pk=bilan.beneficiary_id)
        renamed = (beneficiary.first_name, beneficiary.last_name) != (
            first_name.strip(),
            last_name.strip(),
        )
        shared = (
            Membership.objects.filter(user=beneficiary)
            .exclude(organisation_id=bilan.organisation_id)
            .exists()
        )
        if renamed and shared:
            # Her account is hers, and other organisations know her by it.
            raise RuleViolation(
                _t(
                    "Seule la personne peut modifier le nom de son compte : demandez-lui "
                    "de le faire depuis son espace."
                )
            )
        User.objects.filter(pk=bilan.beneficiary_id).update(
            first_name=first_name.strip(), last_name=last_name.strip(), phone=phone.strip()
        )
