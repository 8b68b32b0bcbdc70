"""One access helper per bilan resource, called first in every view and API endpoint.

Organisation, role and assignment are checked here and nowhere else. Objects of another
organisation, or out of reach for the role, are a 404: their existence is not disclosed.
Membership and role checks (`require_membership`, the decorators) are in organisations.access.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from bilan.accounts.models import User
from bilan.bilans.models import Bilan
from bilan.organisations.middleware import membership_for
from bilan.organisations.models import FUNDER_ROLES, Role


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
    if membership.role in FUNDER_ROLES:  # administration only (L6313-4)
        return False
    if user.pk == bilan.beneficiary_id:
        return True
    return bilan.is_assigned_consultant(user)
