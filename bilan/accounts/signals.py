"""A membership that ends revokes its person's API tokens (issue 11)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from bilan.accounts.models import ApiToken

if TYPE_CHECKING:  # the sender's model; no import at run time
    from bilan.organisations.models import Membership


def revoke_tokens_of(user_id: int) -> None:
    ApiToken.objects.live().filter(user_id=user_id).update(revoked_at=timezone.now())


def membership_saved(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    if not instance.is_active:
        revoke_tokens_of(instance.user_id)


def membership_deleted(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    revoke_tokens_of(instance.user_id)
