"""One access helper per resource, called first in every view and API endpoint.

Organisation, role and assignment are checked here and nowhere else. Objects of another
organisation, or out of reach for the role, are a 404: their existence is not disclosed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.http.response import HttpResponseBase

from bilan.accounts.http import AuthenticatedRequest
from bilan.accounts.models import User
from bilan.bilans.models import Bilan
from bilan.organisations.middleware import membership_for
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


def get_bilan_for_user(user: User, pk: int, *, write: bool = False) -> Bilan:
    """The bilan `pk` if `user` may see it (write: act on it as staff), else 404 / 403."""
    try:
        bilan = Bilan.objects.for_user(user).with_people().get(pk=pk)
    except (Bilan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    membership = user.membership  # set: for_user found the bilan through it
    if membership is None or membership.role in FUNDER_ROLES:  # for_user gives them none
        raise Http404
    if write and membership.role == Role.BENEFICIARY:
        raise PermissionDenied
    return bilan


def can_read_content(user: User, bilan: Bilan) -> bool:
    """Content is for the beneficiary and the consultant assigned now; an admin sees
    administrative data only (REQ-54)."""
    if not hasattr(user, "membership"):  # a user loaded outside a request (worker, code)
        user.membership = membership_for(user, bilan.organisation_id)
    membership = user.membership
    if membership is None or membership.organisation_id != bilan.organisation_id:
        return False
    if membership.role in FUNDER_ROLES:
        return False
    if user.pk == bilan.beneficiary_id:
        return True
    return bilan.is_assigned_consultant(user)
