"""Write the audit rows for reads, exports and refused reads of content (the one owner)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bilan.bilans.content import is_content
from bilan.bilans.models import Bilan
from bilan.compliance import origin
from bilan.compliance.models import AuditEvent
from bilan.lib.net import client_ip, hash_ip

if TYPE_CHECKING:
    from django.db import models
    from django.http import HttpRequest

    from bilan.accounts.models import User


def _role_in(actor: User, organisation_id: int | None) -> str:
    membership = getattr(actor, "membership", None)
    if membership and organisation_id and membership.organisation_id == organisation_id:
        return membership.role
    return ""


def _ip_hash(request: HttpRequest | None) -> str:
    return hash_ip(client_ip(request)) if request is not None else origin.ip_hash()


def record_content_access(
    *,
    actor: User,
    bilan: Bilan,
    objects: list[models.Model],
    action: str = AuditEvent.Action.READ,
    channel: str | None = None,
    request: HttpRequest | None = None,
) -> list[AuditEvent]:
    """Log each content object `actor` reads or exports; the beneficiary's own reads are not logged.

    The channel and the hashed client address come from the request being served (see
    origin.py); `channel` only names it outside a request.
    """
    if actor.pk == bilan.beneficiary_id and action != AuditEvent.Action.DENIED:
        return []
    role = _role_in(actor, bilan.organisation_id)
    channel, ip_hash = origin.channel_for(channel), _ip_hash(request)
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
            ip_hash=ip_hash,
        )
        for obj in objects
        if obj is not None and is_content(obj)
    ]
    if events and action == AuditEvent.Action.DENIED:
        _mark_denied()
    return AuditEvent.objects.bulk_create(events)


def record_refused_read(
    user: User,
    bilan_id: int | None,
    what: str,
    request: HttpRequest | None = None,
    *,
    object_id: str = "",
) -> AuditEvent | None:
    """Log that `user` was refused a read of `what` (a content type or a page's name) of the
    bilan `bilan_id`, whatever their role, even a bilan of another organisation or none at all.

    The row goes to the organisation of the bilan asked for (its journal d'accès shows who
    tried), else to the actor's own. Anonymous visitors are not logged (they are sent to log in).
    """
    if user is None or not user.is_authenticated:
        return None
    bilan = (
        Bilan.objects.filter(pk=bilan_id).only("pk", "organisation_id").first()
        if (bilan_id is not None and 0 < bilan_id < 2**63)
        else None
    )
    membership = getattr(user, "membership", None)
    organisation_id = (
        bilan.organisation_id if bilan else getattr(membership, "organisation_id", None)
    )
    event = AuditEvent(
        actor_id=user.pk,
        actor_email=user.email,
        actor_role=_role_in(user, organisation_id),
        organisation_id=organisation_id,
        bilan_id=bilan.pk if bilan else None,
        action=AuditEvent.Action.DENIED,
        object_type=what[:100],
        object_id=str(object_id)[:64],
        channel=origin.channel_for(None),
        ip_hash=_ip_hash(request),
    )
    event.save()
    _mark_denied()
    return event


def _mark_denied() -> None:
    here = origin.current()
    if here is not None:
        here.denied_logged = True
