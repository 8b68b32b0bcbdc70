"""The message digest: at most one e-mail a day per person, never one per message (run every
60 minutes by the django-q2 schedule « bilan-message-digests », or by
`manage.py send_message_digests`).

The e-mail only says how many messages wait on which bilan: their content stays on the
platform.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef
from django.utils import timezone

from bilan.bilans.models import Bilan
from bilan.exchanges.models import DigestLog, Message, MessageRead
from bilan.lib import emails

log = logging.getLogger(__name__)

# A message waits this long before it can be told by e-mail: it is often read at once.
DIGEST_DELAY = dt.timedelta(minutes=10)
DIGEST_EVERY = dt.timedelta(hours=24)


def unread_by_recipient(cutoff: dt.datetime) -> dict[int, list[dict]]:
    """For each person, their bilans with messages written by someone else before `cutoff`
    and not read yet: [{"bilan_id", "count", "latest"}] (one query per side of the thread)."""
    found: dict[int, list[dict]] = defaultdict(list)
    for side in ("bilan__beneficiary", "bilan__consultant"):
        rows = (
            Message.objects.filter(created_at__lte=cutoff, **{f"{side}__is_active": True})
            .exclude(author_id=F(f"{side}_id"))
            .exclude(
                Exists(
                    MessageRead.objects.filter(message=OuterRef("pk"), reader=OuterRef(f"{side}"))
                )
            )
            .order_by()
            .values(recipient=F(f"{side}_id"), bilan_pk=F("bilan_id"))
            .annotate(count=Count("id"), latest=Max("created_at"))
        )
        for row in rows:
            found[row["recipient"]].append(
                {"bilan_id": row["bilan_pk"], "count": row["count"], "latest": row["latest"]}
            )
    return found


def claim(user_id: int, *, now: dt.datetime, unread: int) -> bool:
    """Record the digest as sent to `user_id` now, unless one went out in the last 24 h.

    The conditional update claims the person before sending: two workers running at the same
    time cannot both send."""
    with transaction.atomic():
        log_row, created = DigestLog.objects.get_or_create(
            user_id=user_id, defaults={"sent_at": now, "unread_count": unread}
        )
        if created:
            return True
        return bool(
            DigestLog.objects.filter(pk=log_row.pk, sent_at__lte=now - DIGEST_EVERY).update(
                sent_at=now, unread_count=unread
            )
        )


def unclaim(user_id: int, *, previous: dt.datetime | None) -> None:
    if previous is None:
        DigestLog.objects.filter(user_id=user_id).delete()
    else:
        DigestLog.objects.filter(user_id=user_id).update(sent_at=previous)


def send_message_digests(now: dt.datetime | None = None) -> int:
    """E-mail each person with unread messages (older than DIGEST_DELAY, and at least one
    newer than their last digest) how many wait per bilan, at most once every 24 h.

    Returns the number of e-mails sent."""
    now = now or timezone.now()
    pending = unread_by_recipient(now - DIGEST_DELAY)
    if not pending:
        return 0
    last_sent = dict(
        DigestLog.objects.filter(user_id__in=pending).values_list("user_id", "sent_at")
    )
    users = get_user_model().objects.in_bulk(list(pending))
    bilans = Bilan.objects.with_people().in_bulk(
        {row["bilan_id"] for rows in pending.values() for row in rows}
    )
    # A beneficiary who withdrew her consent gets no digest about that bilan (issue 16).
    withdrawn = set(
        Bilan.objects.filter(pk__in=bilans).consent_withdrawn().values_list("beneficiary_id", "pk")
    )
    pending = {
        user_id: kept
        for user_id, rows in pending.items()
        if (kept := [r for r in rows if (user_id, r["bilan_id"]) not in withdrawn])
    }
    sent = 0
    for user_id, rows in pending.items():
        previous = last_sent.get(user_id)
        if previous is not None:
            if previous > now - DIGEST_EVERY:
                continue  # one a day at most
            if max(row["latest"] for row in rows) <= previous:
                continue  # nothing new since the last digest: it was told already
        total = sum(row["count"] for row in rows)
        if not claim(user_id, now=now, unread=total):
            continue
        user = users[user_id]
        items = [
            {"bilan": bilans[row["bilan_id"]], "count": row["count"]}
            for row in sorted(rows, key=lambda r: r["bilan_id"])
        ]
        try:
            emails.message_digest(to=user, items=items, total=total)
        except Exception:  # a mail failure is logged and unclaimed: the next run tries again
            log.exception("message digest to user %s failed", user_id)
            unclaim(user_id, previous=previous)
            continue
        sent += 1
    return sent
