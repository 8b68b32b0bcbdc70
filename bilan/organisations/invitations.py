"""Joining an organisation with an account one already has: only by accepting, logged in.

An organisation that types the address of an existing account (a beneficiary of another
provider, a consultant working elsewhere) gets exactly the answer it would get for a new
address: a person under the name it typed. Behind it stands a stand-in account
(`Invitation.placeholder`) that the organisation works with (its bilan, entretiens booked…).
The person is e-mailed an invitation; when she accepts it while logged in, everything the
stand-in holds becomes hers. Until then nothing of her account is read, shown or changed.
"""

from __future__ import annotations

import secrets
from typing import cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import ManyToManyRel, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.lib import emails
from bilan.lib.errors import RuleViolation
from bilan.organisations.models import (
    PLACEHOLDER_DOMAIN,
    Invitation,
    Membership,
    Organisation,
)


class InvitationRefused(Exception):
    """The invitation cannot be answered by this person (message in French)."""


def is_placeholder(user: User) -> bool:
    return bool(user.email) and user.email.endswith("@" + PLACEHOLDER_DOMAIN)


def invite_existing_account(
    *,
    acting_user: User,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    phone: str = "",
) -> Membership:
    """The stand-in membership for `email`, whose account belongs to someone not (yet) in
    `organisation`; the invitation is e-mailed once, when first made."""
    email = email.strip().lower()
    invitation = (
        Invitation.objects.pending()
        .for_address(email)
        .filter(organisation=organisation)
        .select_related("placeholder")
        .first()
    )
    if invitation is not None:
        return Membership.objects.get(user=invitation.placeholder, organisation=organisation)
    placeholder = User.objects.create_user(
        f"{secrets.token_hex(12)}@{PLACEHOLDER_DOMAIN}",
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
    )
    membership = Membership.objects.create(user=placeholder, organisation=organisation, role=role)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        placeholder=placeholder,
        invited_by=acting_user,
    )
    link = settings.SITE_URL + reverse("organisations:invitations")
    transaction.on_commit(
        lambda: emails.send(
            "organisation_invitation",
            email,
            {"organisation": organisation, "role": role, "link": link},
        )
    )
    return membership


def invited_address(user: User) -> str:
    """The address an organisation knows a person by: the one it typed, for a stand-in."""
    if not is_placeholder(user):
        return user.email
    invitation = Invitation.objects.filter(placeholder=user).only("email").first()
    return invitation.email if invitation else ""


def pending_for(user: User | AnonymousUser) -> list[Invitation]:
    """The invitations waiting for `user`'s answer (addressed to her own e-mail)."""
    if not isinstance(user, User) or is_placeholder(user):
        return []
    return list(Invitation.objects.pending().for_address(user.email).select_related("organisation"))


def _invitation_for(user: User, pk: int) -> Invitation:
    invitation = (
        Invitation.objects.pending()
        .for_address(user.email)
        .select_related("organisation", "placeholder")
        .filter(pk=pk)
        .first()
    )
    if invitation is None or is_placeholder(user):
        raise InvitationRefused(_t("Cette invitation n'existe pas ou a déjà reçu une réponse."))
    return invitation


def accept(user: User, pk: int) -> Membership:
    """`user` accepts invitation `pk`: what the stand-in holds becomes hers, in one
    transaction, and she is a member of the organisation."""
    with transaction.atomic():
        invitation = _invitation_for(user, pk)
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        placeholder = invitation.placeholder
        organisation = invitation.organisation
        if Membership.objects.filter(user=user, organisation=organisation).exists():
            # Already a member (another invitation answered first): keep hers.
            Membership.objects.filter(user=placeholder, organisation=organisation).delete()
        _transfer(placeholder, user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        User.objects.filter(pk=placeholder.pk).update(is_active=False)
        return Membership.objects.select_related("organisation").get(
            user=user, organisation=organisation
        )


def decline(user: User, pk: int) -> None:
    with transaction.atomic():
        invitation = _invitation_for(user, pk)
        invitation.declined_at = timezone.now()
        invitation.save(update_fields=["declined_at"])


def _transfer(placeholder: User, user: User) -> None:
    """Point every row that refers to `placeholder` at `user` (the invitation itself aside)."""
    for relation in placeholder._meta.related_objects:
        if relation.related_model is Invitation and relation.field.name == "placeholder":
            continue
        if isinstance(relation, ManyToManyRel):
            through = cast(type[Model], relation.through)  # set once the models are loaded
            source = relation.field.m2m_reverse_field_name()
            through._default_manager.filter(**{source: placeholder}).update(**{source: user})
        else:
            cast(type[Model], relation.related_model)._base_manager.filter(
                **{relation.field.name: placeholder}
            ).update(**{relation.field.name: user})


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:invitation", args=[uid, token])


def invite_member(
    *,
    acting_user: User,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    phone: str = "",
) -> Membership:
    """Create (or reuse) the account for `email`, make it a member, and e-mail an invitation."""
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email, first_name=first_name.strip(), last_name=last_name.strip(), phone=phone
            )
        elif not Membership.objects.filter(user=user, organisation=organisation).exists():
            # Someone else's account (another provider's beneficiary, a consultant elsewhere):
            # never attached without her acceptance, nor disclosed (organisations.invitations).
            return invite_existing_account(
                acting_user=acting_user,
                organisation=organisation,
                email=email,
                first_name=first_name,
                last_name=last_name,
                role=role,
                phone=phone,
            )
        membership = Membership.objects.filter(user=user, organisation=organisation).first()
        if membership is not None and membership.role != role:
            raise RuleViolation(
                _t("Cette adresse appartient déjà à un membre de l'organisme (%(role)s).")
                % {"role": membership.get_role_display()}
            )
        if membership is None:
            membership = Membership.objects.create(user=user, organisation=organisation, role=role)
        if not user.has_usable_password():
            transaction.on_commit(
                lambda: emails.invitation(
                    user=user,
                    organisation=organisation,
                    link=invitation_link(user),
                    invited_by=acting_user,
                )
            )
    return membership
