"""Who is a member, in which role: the checks and decorators every view starts with.

The bilan's own access helpers (`get_bilan_for_user`, `can_read_content`) are in the core,
bilan/bilans/access.py, since they read bilans.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase

from bilan.accounts.http import AuthenticatedRequest
from bilan.accounts.models import User
from bilan.organisations.models import FUNDER_ROLES, Membership, Role


def require_membership(user: User | AnonymousUser, *roles: str) -> Membership:
    """The membership of `user` if its role is one of `roles`; without roles, any role of the
    provider's side or a beneficiary — never a funder's (they name their roles explicitly)."""
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None or (roles and membership.role not in roles):
        raise PermissionDenied
    if not roles and membership.role in FUNDER_ROLES:
        raise PermissionDenied
    return membership


P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def role_required(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[AuthenticatedRequest, P], R]],
    Callable[Concatenate[AuthenticatedRequest, P], R],
]:
    """A view for logged-in members with one of `roles` (403 otherwise): the staff pages and
    the beneficiary's space of every feature use it."""

    def decorator(
        view: Callable[Concatenate[AuthenticatedRequest, P], R],
    ) -> Callable[Concatenate[AuthenticatedRequest, P], R]:
        @wraps(view)
        def wrapper(request: AuthenticatedRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            require_membership(request.user, *roles)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


staff_required = role_required(Role.ADMIN, Role.CONSULTANT)
beneficiary_required = role_required(Role.BENEFICIARY)


def link_recipient(email: str) -> User | None:
    """The active beneficiary with that address, or None: staff keep their password."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    # The roles are read for any address (none for an unknown one): the same two queries.
    roles = set(
        Membership.objects.active()
        .filter(user__email__iexact=email, user__is_active=True)
        .values_list("role", flat=True)
    )
    if user is None or user.is_staff or user.is_superuser:
        return None
    return user if roles == {Role.BENEFICIARY} else None
