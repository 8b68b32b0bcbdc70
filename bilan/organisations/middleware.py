from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from bilan.accounts.models import User
from bilan.organisations.models import Membership

# The session key holding the organisation a person chose to work in (several memberships).
SESSION_KEY = "organisation_id"


def memberships_of(user: User | AnonymousUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.active()
        .select_related("organisation")
        .filter(user=user)
        .order_by("created_at", "id")
    )


def membership_for(user: User, organisation_id: int | None = None) -> Membership | None:
    """The membership `user` acts through: the one in `organisation_id` if she has it, else
    her oldest. A person in several organisations works in one at a time and sees nothing of
    one organisation through another."""
    memberships = memberships_of(user)
    chosen = next((m for m in memberships if m.organisation_id == organisation_id), None)
    return chosen or (memberships[0] if memberships else None)


class MembershipMiddleware:
    """Attach the user's membership (organisation and role) as `request.user.membership`, and
    all of her active memberships as `request.user.memberships_available`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not hasattr(user, "membership"):
            memberships = memberships_of(user)
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organisation_id == wanted), None)
            user.membership = chosen or (memberships[0] if memberships else None)
            user.memberships_available = memberships
        return self.get_response(request)
