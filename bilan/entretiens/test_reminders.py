"""The day-before reminder: one per entretien, to both parties, whatever the number of runs."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from bilan.entretiens import tasks
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus, Modality
from bilan.entretiens.tasks import send_entretien_reminders

PARIS = ZoneInfo("Europe/Paris")
# These tests book at fixed dates up to 2030.
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")
# The task runs « now » = 18:00 on 1 July 2030, Paris time: tomorrow is 2 July.
NOW = dt.datetime(2030, 7, 1, 18, 0, tzinfo=PARIS)


def book(cast, starts_at: dt.datetime) -> Entretien:  # noqa: ANN001
    return Entretien.schedule(
        bilan=cast.bilan,
        by=cast.consultant,
        starts_at=starts_at,
        planned_minutes=60,
        modality=Modality.IN_PERSON,
        place="Salle 2",
        title="Exploration des pistes",
    )


def test_tomorrows_entretien_is_reminded_once_to_both_parties_even_if_the_task_runs_twice(
    cast, mailoutbox
):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    assert send_entretien_reminders(now=NOW) == 1
    assert send_entretien_reminders(now=NOW + dt.timedelta(minutes=15)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    assert {m.subject for m in mailoutbox} == {
        "Rappel : entretien demain à 10:00 — bilan de compétences"
    }
    assert "mardi 2 juillet 2030, de 10:00 à 11:00" in mailoutbox[0].body
    (ics,) = mailoutbox[0].attachments
    assert ics.get_content_type() == "text/calendar"
    entretien.refresh_from_db()
    assert entretien.reminder_sent_at == NOW


def test_the_reminder_covers_the_whole_of_tomorrow_in_paris_time(cast, mailoutbox):
    book(cast, dt.datetime(2030, 7, 2, 0, 0, tzinfo=PARIS))  # first minute of tomorrow
    book(cast, dt.datetime(2030, 7, 2, 23, 59, tzinfo=PARIS))  # last one
    book(cast, dt.datetime(2030, 7, 1, 23, 30, tzinfo=PARIS))  # tonight: not tomorrow
    book(cast, dt.datetime(2030, 7, 3, 0, 0, tzinfo=PARIS))  # the day after tomorrow
    assert send_entretien_reminders(now=NOW) == 2
    assert len(mailoutbox) == 4


def test_no_reminder_for_the_day_after_tomorrow_until_the_day_before(cast, mailoutbox):
    book(cast, dt.datetime(2030, 7, 3, 9, 0, tzinfo=PARIS))
    assert send_entretien_reminders(now=NOW) == 0
    assert send_entretien_reminders(now=NOW + dt.timedelta(days=1)) == 1
    assert len(mailoutbox) == 2


def test_no_reminder_for_a_cancelled_or_held_entretien(cast, mailoutbox):
    cancelled = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    cancelled.cancel(by=cast.consultant, reason=CancelReason.HEALTH)
    held = book(cast, dt.datetime(2030, 7, 2, 14, 0, tzinfo=PARIS))
    Entretien.objects.filter(pk=held.pk).update(status=EntretienStatus.HELD)
    assert send_entretien_reminders(now=NOW) == 0
    assert mailoutbox == []


def test_reminders_wait_for_the_morning(cast, mailoutbox):
    book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    assert send_entretien_reminders(now=dt.datetime(2030, 7, 1, 0, 15, tzinfo=PARIS)) == 0
    assert send_entretien_reminders(now=dt.datetime(2030, 7, 1, 8, 0, tzinfo=PARIS)) == 1


def test_a_moved_entretien_gets_a_reminder_for_its_new_date(cast, mailoutbox):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    send_entretien_reminders(now=NOW)
    entretien.reschedule(
        by=cast.consultant,
        starts_at=dt.datetime(2030, 7, 9, 10, 0, tzinfo=PARIS),
        planned_minutes=60,
        modality=Modality.PHONE,
    )
    assert send_entretien_reminders(now=NOW + dt.timedelta(days=7)) == 1
    assert len(mailoutbox) == 4


def test_two_workers_interleaving_send_each_reminder_once(cast, mailoutbox, monkeypatch):
    """Worker 1 lists A and B; while it mails A, worker 2 runs and claims B; worker 1's
    conditional update on B then finds it taken and sends nothing more."""
    first = book(cast, dt.datetime(2030, 7, 2, 9, 0, tzinfo=PARIS))
    second = book(cast, dt.datetime(2030, 7, 2, 15, 0, tzinfo=PARIS))
    real_notice = tasks.send_entretien_notice
    sent = []

    def notice(pk: int, kind: str) -> None:
        sent.append(pk)
        if len(sent) == 1:
            assert send_entretien_reminders(now=NOW) == 1  # worker 2, mid-run
        real_notice(pk, kind)

    monkeypatch.setattr(tasks, "send_entretien_notice", notice)
    assert send_entretien_reminders(now=NOW) == 1
    assert sorted(sent) == [first.pk, second.pk]
    assert len(mailoutbox) == 4


def test_the_send_reminders_command_runs_the_task(cast, mailoutbox, monkeypatch):
    seen = []
    monkeypatch.setattr(
        "bilan.entretiens.management.commands.send_reminders.send_entretien_reminders",
        lambda: seen.append(True) or 3,
    )
    call_command("send_reminders")
    assert seen == [True]


def test_the_queue_runs_the_reminder_task(cast, mailoutbox, monkeypatch):
    """django-q2 in sync mode: async_task runs the task in-process, as a worker would."""
    book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    monkeypatch.setattr(Conf, "SYNC", True)
    async_task("bilan.entretiens.tasks.send_entretien_reminders", NOW)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_schedule_runs_the_reminders_every_15_minutes():
    schedule = Schedule.objects.get(name="bilan-reminders")
    assert schedule.func == "bilan.entretiens.tasks.send_entretien_reminders"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        Schedule.MINUTES,
        15,
        -1,
    )


@pytest.mark.django_db
def test_the_schedule_migration_can_run_again_without_a_second_schedule():
    migration = import_module("bilan.entretiens.migrations.0004_reminder_schedule")
    migration.forwards(apps, None)
    assert Schedule.objects.filter(name="bilan-reminders").count() == 1
