"""Entretien e-mails: the notices sent on booking, moving and cancelling, and the one reminder
the day before (run every 15 minutes by the django-q2 schedule « bilan-reminders », or by
`manage.py send_reminders`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bilan.entretiens import calendar
from bilan.entretiens.models import REMINDER, Entretien, EntretienStatus
from bilan.lib import deliveries, emails

NOTICES = {
    "scheduled": emails.entretien_scheduled,
    "rescheduled": emails.entretien_rescheduled,
    "cancelled": emails.entretien_cancelled,
    "reminder": emails.entretien_reminder,
}

# Reminders wait for the morning: nobody wants one at midnight.
REMINDERS_FROM = dt.time(8, 0)


def send_entretien_notice(entretien_id: int, kind: str) -> None:
    """E-mail `kind` of NOTICES to the beneficiary and the consultant, .ics attached."""
    entretien = Entretien.objects.select_related("bilan__beneficiary", "bilan__consultant").get(
        pk=entretien_id
    )
    ics = calendar.invitation(entretien)
    for person in (entretien.bilan.beneficiary, entretien.bilan.consultant):
        NOTICES[kind](
            entretien=entretien, to=person, ics=ics, filename=calendar.filename(entretien)
        )


def send_reminder(entretien_id: int) -> None:
    """The day-before reminder to each party who does not have it yet (`reminder_sent_to`):
    when the second address is refused, the retry does not write to the first again."""
    entretien = Entretien.objects.select_related("bilan__beneficiary", "bilan__consultant").get(
        pk=entretien_id
    )
    done = set(filter(None, entretien.reminder_sent_to.split(",")))
    ics = calendar.invitation(entretien)
    parties = (
        ("beneficiary", entretien.bilan.beneficiary),
        ("consultant", entretien.bilan.consultant),
    )
    withdrawn = entretien.bilan.consent_withdrawn
    for role, person in parties:
        if role in done:
            continue
        if role == "beneficiary" and withdrawn:
            # She withdrew her consent: no reminder goes to her (issue 16); marked done so
            # that no retry writes to her either.
            done.add(role)
            Entretien.objects.filter(pk=entretien_id).update(
                reminder_sent_to=",".join(sorted(done))
            )
            continue
        NOTICES["reminder"](
            entretien=entretien, to=person, ics=ics, filename=calendar.filename(entretien)
        )
        done.add(role)
        Entretien.objects.filter(pk=entretien_id).update(reminder_sent_to=",".join(sorted(done)))


def send_entretien_reminders(now: dt.datetime | None = None) -> int:
    """Remind both parties of each planned entretien of tomorrow (Paris time), once.

    Each entretien is claimed, mailed, and only then marked sent (bilan.lib.deliveries): two
    workers or commands running at once cannot both send it, and a failed send is retried
    with a back-off at the next runs (every 15 minutes). Returns the number of entretiens
    reminded.
    """
    now = timezone.localtime(now or timezone.now())
    if now.time() < REMINDERS_FROM:
        return 0
    tomorrow = now.date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min))
    tomorrows = Entretien.objects.filter(
        status=EntretienStatus.PLANNED, starts_at__gte=start, starts_at__lt=end
    )
    sent = 0
    for pk in deliveries.due(tomorrows, REMINDER, now).values_list("pk", flat=True):
        if deliveries.deliver(
            tomorrows,
            REMINDER,
            pk,
            lambda pk=pk: send_reminder(pk),
            now=now,
        ):
            sent += 1
    return sent
