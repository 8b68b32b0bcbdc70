"""Send an e-mail once, and only mark it sent once it went out (issue 11, item 14).

A row that owes an e-mail (an entretien its reminder, a suivi its self-diagnosis invitation)
carries five fields named after the e-mail, e.g. for « reminder »: `reminder_sent_at`,
`reminder_claimed_at`, `reminder_claim_token`, `reminder_attempts`, `reminder_retry_at`.

`deliver()` does, for one row:

1. **claim** it with a compare-and-set UPDATE (not sent, not claimed, or claimed so long ago
   that the claimer is dead; not waiting for a retry; attempts left), which succeeds for one
   caller only, whatever the number of workers or commands running at once;
2. **send** (outside any transaction: nothing stays locked while SMTP answers);
3. on success, **mark it sent**; on failure (SMTPException, OSError, a timeout, or any other
   error), release the claim, count the attempt and set the time of the next one (RETRY_DELAYS),
   or give up after MAX_ATTEMPTS with an error in the log.

A claim older than CLAIM_STALE is abandoned (the worker was killed mid-send: django-q2 kills a
task after Q_CLUSTER["timeout"], 120 s, and EMAIL_TIMEOUT bounds each SMTP wait) and may be
claimed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q

log = logging.getLogger(__name__)

# The wait before attempt 2, 3, 4 and 5; after the fifth failure, no more attempts.
RETRY_DELAYS = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_STALE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Slot:
    """The five fields of one e-mail on its row, named `<name>_sent_at` and so on."""

    name: str

    @property
    def sent_at(self) -> str:
        return f"{self.name}_sent_at"

    @property
    def claimed_at(self) -> str:
        return f"{self.name}_claimed_at"

    @property
    def token(self) -> str:
        return f"{self.name}_claim_token"

    @property
    def attempts(self) -> str:
        return f"{self.name}_attempts"

    @property
    def retry_at(self) -> str:
        return f"{self.name}_retry_at"

    def reset(self) -> dict[str, object]:
        """The values that make the e-mail owed again (an entretien moved to another day)."""
        return {
            self.sent_at: None,
            self.claimed_at: None,
            self.token: "",
            self.attempts: 0,
            self.retry_at: None,
        }


def due(queryset: models.QuerySet[Any], slot: Slot, now: dt.datetime) -> models.QuerySet[Any]:
    """The rows of `queryset` whose e-mail may be claimed at `now`."""
    return queryset.filter(
        Q(**{f"{slot.claimed_at}__isnull": True})
        | Q(**{f"{slot.claimed_at}__lt": now - CLAIM_STALE}),
        Q(**{f"{slot.retry_at}__isnull": True}) | Q(**{f"{slot.retry_at}__lte": now}),
        **{f"{slot.sent_at}__isnull": True, f"{slot.attempts}__lt": MAX_ATTEMPTS},
    )


def claim(queryset: models.QuerySet[Any], slot: Slot, pk: int, now: dt.datetime) -> str | None:
    """Claim row `pk` for sending: its claim token, or None when another caller holds it (or
    it was sent, or it waits for its next attempt). One UPDATE, so one winner."""
    token = uuid.uuid4().hex
    won = due(queryset.filter(pk=pk), slot, now).update(**{slot.claimed_at: now, slot.token: token})
    return token if won else None


def deliver(
    queryset: models.QuerySet[Any],
    slot: Slot,
    pk: int,
    send: Callable[[], None],
    *,
    now: dt.datetime,
) -> bool:
    """Claim row `pk`, call `send()`, then mark it sent. True when this call sent it."""
    token = claim(queryset, slot, pk, now)
    if token is None:
        return False
    model = queryset.model
    mine = model.objects.filter(pk=pk, **{slot.token: token})
    try:
        send()
    except Exception as exc:  # SMTPException and timeouts are OSErrors; any error is retried
        attempts = model.objects.filter(pk=pk).values_list(slot.attempts, flat=True).first()
        attempts = (attempts or 0) + 1
        retry_at = now + RETRY_DELAYS[attempts - 1] if attempts < MAX_ATTEMPTS else None
        mine.update(
            **{
                slot.claimed_at: None,
                slot.token: "",
                slot.attempts: F(slot.attempts) + 1,
                slot.retry_at: retry_at,
            }
        )
        label = f"{model._meta.label} {pk} e-mail « {slot.name} »"
        if retry_at is None:
            log.error("%s: attempt %s failed, giving up: %r", label, attempts, exc)
        else:
            log.warning("%s: attempt %s failed (%r), next at %s", label, attempts, exc, retry_at)
        return False
    if not mine.update(**{slot.sent_at: now, slot.claimed_at: None, slot.token: ""}):
        # Our claim was taken over as abandoned while we were sending: still, it went out.
        log.warning("%s %s: claim lost during the send of « %s »", model._meta.label, pk, slot.name)
        model.objects.filter(pk=pk, **{f"{slot.sent_at}__isnull": True}).update(
            **{slot.sent_at: now}
        )
    return True
