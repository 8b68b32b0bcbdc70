"""A membership that ends revokes its person's API tokens (issue 11)."""

from __future__ import annotations

from django.utils import timezone

from bilan.accounts.models import ApiToken


def revoke_tokens_of(user_id: int) -> None:
    ApiToken.objects.live().filter(user_id=user_id).update(revoked_at=timezone.now())


def membership_saved(sender, instance, **kwargs) -> None:  # noqa: ANN001, ANN003
    if not instance.is_active:
        revoke_tokens_of(instance.user_id)


def membership_deleted(sender, instance, **kwargs) -> None:  # noqa: ANN001, ANN003
    revoke_tokens_of(instance.user_id)
