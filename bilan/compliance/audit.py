"""Write the audit row for a read or an export of content (the one function that does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bilan.compliance.content import is_content
from bilan.compliance.models import AuditEvent

if TYPE_CHECKING:
    from django.db import models

    from bilan.accounts.models import User
    from bilan.bilans.models import Bilan


def record_content_access(
    *,
    actor: User,
    bilan: Bilan,
    objects: list[models.Model],
    action: str = AuditEvent.Action.READ,
    channel: str = "web",
) -> list[AuditEvent]:
    """Log each content object `actor` reads or exports; the beneficiary's own reads are not logged."""
    if actor.pk == bilan.beneficiary_id and action != AuditEvent.Action.DENIED:
        return []
    membership = getattr(actor, "membership", None)
    role = (
        membership.role
        if membership and membership.organisation_id == bilan.organisation_id
        else ""
    )
    events = [
        AuditEvent(
            actor_id=actor.pk,
            actor_email=actor.email,
            actor_role=role,
            organisation_id=bilan.organisation_id,
            bilan_id=bilan.pk,
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk or ""),
            channel=channel,
        )
        for obj in objects
        if obj is not None and is_content(obj)
    ]
    return AuditEvent.objects.bulk_create(events)
