from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bilan.organisations.models import Membership


def membership_for(user) -> Membership | None:  # noqa: ANN001
    if not user.is_authenticated:
        return None
    # A person with memberships in several organisations acts in the oldest one for now.
    return (
        Membership.objects.active()
        .select_related("organisation")
        .filter(user=user)
        .order_by("created_at", "id")
        .first()
    )


class MembershipMiddleware:
    """Attach the user's membership (organisation and role) as `request.user.membership`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not hasattr(user, "membership"):
            user.membership = membership_for(user)
        return self.get_response(request)
