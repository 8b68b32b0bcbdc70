"""The day-before reminder: one per entretien, to both parties, whatever the number of runs."""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import socket
import time
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django_q.conf import Conf
from django_q.models import Schedule
from django_q.tasks import async_task

from bilan.entretiens import tasks
from bilan.entretiens.models import CancelReason, Entretien, EntretienStatus, Modality
from bilan.entretiens.tasks import send_entretien_reminders
from bilan.lib import deliveries

PARIS = ZoneInfo("Europe/Paris")
# These tests book at fixed dates up to 2030.
pytestmark = pytest.mark.usefixtures("booking_window_to_2031")
# The task runs « now » = 18:00 on 1 July 2030, Paris time: tomorrow is 2 July.
NOW = dt.datetime(2030, 7, 1, 18, 0, tzinfo=PARIS)


def book(cast, starts_at: dt.datetime) -> Entretien:
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
    book(cast, dt.datetime(2030, 7, 1, 22, 59, tzinfo=PARIS))  # tonight: not tomorrow
    book(cast, dt.datetime(2030, 7, 3, 1, 0, tzinfo=PARIS))  # the day after tomorrow
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
    """Worker 1 lists A and B and claims A; while it mails A, worker 2 runs: A is claimed, so it
    sends B only; worker 1's claim of B then finds it sent and sends nothing more."""
    first = book(cast, dt.datetime(2030, 7, 2, 9, 0, tzinfo=PARIS))
    second = book(cast, dt.datetime(2030, 7, 2, 15, 0, tzinfo=PARIS))
    real_reminder = tasks.send_reminder
    sent = []

    def reminder(pk: int) -> None:
        sent.append(pk)
        if len(sent) == 1:
            assert send_entretien_reminders(now=NOW) == 1  # worker 2, mid-run
        real_reminder(pk)

    monkeypatch.setattr(tasks, "send_reminder", reminder)
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


class RefusingBackend(LocmemBackend):
    """The test outbox, except that it refuses while `refusing` is set (an SMTP server down)."""

    refusing = True

    def send_messages(self, messages):
        if RefusingBackend.refusing:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def refusing_smtp(settings, mailoutbox, monkeypatch):
    settings.EMAIL_BACKEND = "bilan.entretiens.test_reminders.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "refusing", True)
    return RefusingBackend


def test_a_refused_send_is_not_marked_sent_and_is_retried_with_a_back_off(
    cast, refusing_smtp, mailoutbox
):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    assert send_entretien_reminders(now=NOW) == 0
    entretien.refresh_from_db()
    assert entretien.reminder_sent_at is None
    assert entretien.reminder_claimed_at is None  # the claim is released
    assert entretien.reminder_attempts == 1
    assert entretien.reminder_retry_at == NOW + dt.timedelta(minutes=5)
    # The server is back, but the next attempt waits for its time.
    refusing_smtp.refusing = False
    assert send_entretien_reminders(now=NOW + dt.timedelta(minutes=4)) == 0
    assert mailoutbox == []
    later = NOW + dt.timedelta(minutes=15)
    assert send_entretien_reminders(now=later) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    entretien.refresh_from_db()
    assert (entretien.reminder_sent_at, entretien.reminder_attempts) == (later, 1)
    assert send_entretien_reminders(now=later + dt.timedelta(hours=2)) == 0
    assert len(mailoutbox) == 2


def test_a_timeout_is_retried_like_a_refusal(cast, mailoutbox, monkeypatch):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))

    def hung(*args, **kwargs):
        raise TimeoutError("timed out")

    monkeypatch.setitem(tasks.NOTICES, "reminder", hung)
    assert send_entretien_reminders(now=NOW) == 0
    entretien.refresh_from_db()
    assert (entretien.reminder_sent_at, entretien.reminder_attempts) == (None, 1)


def test_the_back_off_grows_then_gives_up_with_an_error_in_the_log(
    cast, refusing_smtp, mailoutbox, caplog
):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    at = NOW
    waits = []
    with caplog.at_level(logging.WARNING, logger="bilan.lib.deliveries"):
        for _ in range(deliveries.MAX_ATTEMPTS):
            assert send_entretien_reminders(now=at) == 0
            entretien.refresh_from_db()
            if entretien.reminder_retry_at:
                waits.append(entretien.reminder_retry_at - at)
                at = entretien.reminder_retry_at
    assert waits == [
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=15),
        dt.timedelta(hours=1),
        dt.timedelta(hours=3),
    ]
    assert entretien.reminder_attempts == deliveries.MAX_ATTEMPTS
    assert entretien.reminder_retry_at is None
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "giving up" in errors[0].getMessage()
    refusing_smtp.refusing = False
    assert send_entretien_reminders(now=at + dt.timedelta(hours=1)) == 0
    assert mailoutbox == []


def test_the_send_reminders_command_twice_in_a_row_sends_once(cast, mailoutbox, monkeypatch):
    book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW)
    call_command("send_reminders")
    call_command("send_reminders")
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]


def test_a_claimed_reminder_is_not_sent_by_a_second_claimer_until_the_claim_is_abandoned(
    cast, mailoutbox
):
    """Worker 1 claimed the reminder and has not finished (it is mid-send): worker 2 neither
    claims nor sends it. Past CLAIM_STALE (worker 1 was killed), it is claimed again."""
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    tomorrows = Entretien.objects.all()
    token = deliveries.claim(tomorrows, tasks.REMINDER, entretien.pk, NOW)
    assert token
    assert deliveries.claim(tomorrows, tasks.REMINDER, entretien.pk, NOW) is None
    assert send_entretien_reminders(now=NOW + dt.timedelta(minutes=4)) == 0
    assert mailoutbox == []
    assert send_entretien_reminders(now=NOW + dt.timedelta(minutes=6)) == 1
    assert len(mailoutbox) == 2
    entretien.refresh_from_db()
    assert entretien.reminder_sent_at == NOW + dt.timedelta(minutes=6)


def test_two_claimers_racing_on_one_row_have_one_winner(cast, mailoutbox):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    claims = [
        deliveries.claim(Entretien.objects.all(), tasks.REMINDER, entretien.pk, NOW)
        for _ in range(5)
    ]
    assert len([c for c in claims if c]) == 1


def test_a_moved_entretien_owes_a_fresh_reminder_even_after_failed_attempts(
    cast, refusing_smtp, mailoutbox
):
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    send_entretien_reminders(now=NOW)
    entretien.reschedule(
        by=cast.consultant,
        starts_at=dt.datetime(2030, 7, 9, 10, 0, tzinfo=PARIS),
        planned_minutes=60,
        modality=Modality.PHONE,
    )
    entretien.refresh_from_db()
    assert (entretien.reminder_attempts, entretien.reminder_retry_at) == (0, None)
    refusing_smtp.refusing = False
    mail.outbox.clear()
    assert send_entretien_reminders(now=NOW + dt.timedelta(days=7)) == 1


def test_a_silent_smtp_server_fails_the_send_after_email_timeout(cast, settings, mailoutbox):
    """An SMTP server that accepts the connection and never greets: the send gives up after
    EMAIL_TIMEOUT (10 s by default, 1 s here) and the reminder is retried later."""
    assert settings.EMAIL_TIMEOUT == int(os.environ.get("EMAIL_TIMEOUT", "10"))
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 1
        started = time.monotonic()
        assert send_entretien_reminders(now=NOW) == 0
        assert time.monotonic() - started < 5
    entretien.refresh_from_db()
    assert (entretien.reminder_sent_at, entretien.reminder_attempts) == (None, 1)


def test_when_one_address_is_refused_the_retry_writes_only_to_the_other(
    cast, settings, mailoutbox, monkeypatch
):
    """The beneficiary's reminder goes out, the consultant's address is refused: the retry
    sends the consultant's only; the beneficiary is reminded once."""
    entretien = book(cast, dt.datetime(2030, 7, 2, 10, 0, tzinfo=PARIS))
    refused = {"consultante@cap.test"}
    real = LocmemBackend.send_messages

    def picky(self, messages):
        if any(set(m.to) & refused for m in messages):
            raise smtplib.SMTPRecipientsRefused({"consultante@cap.test": (550, b"no mailbox")})
        return real(self, messages)

    monkeypatch.setattr(LocmemBackend, "send_messages", picky)
    assert send_entretien_reminders(now=NOW) == 0
    entretien.refresh_from_db()
    assert (entretien.reminder_sent_at, entretien.reminder_sent_to) == (None, "beneficiary")
    assert [m.to for m in mailoutbox] == [["benef@cap.test"]]
    refused.clear()
    assert send_entretien_reminders(now=NOW + dt.timedelta(minutes=15)) == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["benef@cap.test", "consultante@cap.test"]
    entretien.refresh_from_db()
    assert entretien.reminder_sent_to == "beneficiary,consultant"
