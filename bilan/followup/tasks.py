"""Suivi e-mails: the self-diagnosis invitation, two weeks before the entretien de suivi
(daily django-q2 schedule « bilan-suivi-invitations », or `manage.py send_suivi_invitations`).

The invitation to the entretien itself and its day-before reminder are the entretiens' own
(bilan/entretiens/tasks.py): nothing here sends them, so nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bilan.bilans.models import Bilan, FollowUpDecision
from bilan.entretiens.models import EntretienStatus
from bilan.followup.models import Suivi
from bilan.followup.suivi import AFTER_CLOSING, SELF_DIAGNOSIS_DAYS_BEFORE
from bilan.lib import deliveries, emails

SELF_DIAGNOSIS = deliveries.Slot("self_diagnosis")  # Suivi's fields for this e-mail


def send_self_diagnosis_invitation(suivi: Suivi) -> None:
    bilan = suivi.bilan
    emails.send(
        "suivi_self_diagnosis",
        bilan.beneficiary.email,
        {"recipient": bilan.beneficiary, "bilan": bilan, "entretien": suivi.entretien},
    )


def send_suivi_invitations(now: dt.datetime | None = None) -> int:
    """Invite each beneficiary whose entretien de suivi is two weeks away (or nearer) to fill
    in their self-diagnosis: once per bilan, ever (a moved entretien does not resend).

    Each suivi is claimed, mailed, and only then marked sent (bilan.lib.deliveries): two runs
    at once cannot both send, and a failed send is retried with a back-off at the next daily
    runs. Returns the number of e-mails sent."""
    now = now or timezone.now()
    horizon = timezone.localtime(now).date() + dt.timedelta(days=SELF_DIAGNOSIS_DAYS_BEFORE + 1)
    limit = timezone.make_aware(dt.datetime.combine(horizon, dt.time.min))
    upcoming = Suivi.objects.filter(
        entretien__status=EntretienStatus.PLANNED,
        entretien__starts_at__gte=now,
        entretien__starts_at__lt=limit,
        bilan__status__in=AFTER_CLOSING,
        bilan__follow_up_decision=FollowUpDecision.ACCEPTED,
    ).exclude(bilan__in=Bilan.objects.consent_withdrawn())  # no invitation after a withdrawal
    sent = 0
    for pk in deliveries.due(upcoming, SELF_DIAGNOSIS, now).values_list("pk", flat=True):
        if deliveries.deliver(upcoming, SELF_DIAGNOSIS, pk, lambda pk=pk: _invite(pk), now=now):
            sent += 1
    return sent


def _invite(pk: int) -> None:
    send_self_diagnosis_invitation(
        Suivi.objects.select_related("bilan__beneficiary", "entretien").get(pk=pk)
    )
