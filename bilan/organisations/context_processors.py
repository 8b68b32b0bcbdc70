from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from bilan.organisations.invitations import pending_for


def membership(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    m = getattr(user, "membership", None) if user is not None else None
    return {
        "membership": m,
        "organisation": m.organisation if m else None,
        "several_organisations": len(getattr(user, "memberships_available", ())) > 1,
        # Read only by the pages that show it (home pages), not on every page.
        "pending_invitations": SimpleLazyObject(
            lambda: pending_for(user) if user is not None else []
        ),
    }
