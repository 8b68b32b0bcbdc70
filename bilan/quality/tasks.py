"""The satisfaction surveys' e-mails (daily django-q2 schedule « bilan-quality-surveys »): each
invitation once, and one reminder REMINDER_DAYS later if still unanswered — through
bilan.lib.deliveries, so two runs at once or one after another send each e-mail once."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.utils import timezone

from bilan.lib import deliveries
from bilan.quality import complaints, pack
from bilan.quality.models import SurveyInvitation
from bilan.quality.surveys import REMINDER_DAYS, send_invitation_email

INVITE = deliveries.Slot("invite")
REMINDER = deliveries.Slot("reminder")


def send_survey_emails(now: dt.datetime | None = None) -> int:
    """Send the invitations due and the reminders due; returns the number of e-mails sent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    pending = SurveyInvitation.objects.filter(answered=False)
    invites = pending.filter(send_on__lte=today)
    for pk in deliveries.due(invites, INVITE, now).values_list("pk", flat=True):
        if deliveries.deliver(invites, INVITE, pk, partial(_send, pk, False), now=now):
            sent += 1
    reminders = pending.filter(invite_sent_at__lte=now - dt.timedelta(days=REMINDER_DAYS))
    for pk in deliveries.due(reminders, REMINDER, now).values_list("pk", flat=True):
        if deliveries.deliver(reminders, REMINDER, pk, partial(_send, pk, True), now=now):
            sent += 1
    return sent


def _send(pk: int, reminder: bool) -> None:
    invitation = SurveyInvitation.objects.select_related("organisation", "bilan__beneficiary").get(
        pk=pk
    )
    send_invitation_email(invitation, reminder=reminder)


def send_complaint_emails(now: dt.datetime | None = None) -> int:
    """Daily (« bilan-quality-complaints »): acknowledgments owed and the deadline alerts."""
    return complaints.send_complaint_emails(now)


def build_audit_pack(pack_id: int) -> None:
    """The worker builds one audit pack (queued by pack.request_pack), its progress recorded."""
    pack.run(pack_id)
