"""The message digest: at most one e-mail a day per person, never one per message, never the
messages' content; its django-q2 schedule and its management command."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from bilan.bilans.testing import make_bilan, make_member
from bilan.exchanges.messaging import post_message, read_thread
from bilan.exchanges.models import DigestLog, Message
from bilan.exchanges.tasks import send_message_digests
from bilan.lib import emails
from bilan.organisations.models import Role

SECRET = "Mon employeur ne sait pas que je veux partir"


def say(bilan, by, text: str = SECRET, minutes_ago: int = 30, at=None) -> Message:
    message = post_message(bilan=bilan, by=by, text=text)
    at = at or timezone.now() - dt.timedelta(minutes=minutes_ago)
    Message.objects.filter(pk=message.pk).update(created_at=at)
    return message


def test_several_messages_make_one_email_per_person_without_their_text(cast):
    for i in range(3):
        say(cast.bilan, cast.beneficiary, f"{SECRET} ({i})")
    say(cast.bilan, cast.consultant, "Réponse confidentielle")
    assert send_message_digests() == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {cast.consultant.email, cast.beneficiary.email}
    to_consultant = by_recipient[cast.consultant.email]
    assert to_consultant.subject == "3 messages non lus — bilan de compétences"
    body = to_consultant.body + to_consultant.alternatives[0][0]
    assert "3 messages non lus" in body and cast.bilan.reference in body
    assert f"/echanges/bilan/{cast.bilan.pk}/messages/" in body
    to_beneficiary = by_recipient[cast.beneficiary.email]
    assert to_beneficiary.subject == "1 message non lu — bilan de compétences"
    assert f"/espace/messages/bilan/{cast.bilan.pk}/" in to_beneficiary.body
    for message in mail.outbox:
        text = message.subject + message.body + message.alternatives[0][0]
        assert SECRET not in text and "Réponse confidentielle" not in text


def test_at_most_one_email_a_day_per_person(cast):
    say(cast.bilan, cast.beneficiary, minutes_ago=120)
    now = timezone.now()
    assert send_message_digests(now) == 1
    say(cast.bilan, cast.beneficiary, "encore", at=now + dt.timedelta(hours=1))
    say(cast.bilan, cast.beneficiary, "et encore", at=now + dt.timedelta(hours=2))
    for hours in (3, 12, 23):
        assert send_message_digests(now + dt.timedelta(hours=hours)) == 0
    assert len(mail.outbox) == 1
    assert send_message_digests(now + dt.timedelta(hours=24)) == 1
    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("3 messages non lus")
    assert DigestLog.objects.get(user=cast.consultant).unread_count == 3


def test_no_email_when_nothing_is_unread(cast):
    say(cast.bilan, cast.beneficiary)
    read_thread(reader=cast.consultant, bilan=cast.bilan)
    assert send_message_digests() == 0
    assert mail.outbox == [] and not DigestLog.objects.exists()


def test_no_email_for_ones_own_messages_nor_for_a_message_just_written(cast):
    say(cast.bilan, cast.beneficiary, minutes_ago=2)  # may be read at once: wait a little
    assert send_message_digests() == 0
    assert send_message_digests(timezone.now() + dt.timedelta(minutes=15)) == 1
    assert [m.to for m in mail.outbox] == [[cast.consultant.email]]


def test_messages_already_told_are_not_told_again_the_next_day(cast):
    say(cast.bilan, cast.beneficiary)
    now = timezone.now()
    assert send_message_digests(now) == 1
    assert send_message_digests(now + dt.timedelta(days=2)) == 0
    assert len(mail.outbox) == 1


def test_one_email_lists_each_bilan_of_a_consultant(cast):
    other = make_member(cast.org, "deux@cap.test", Role.BENEFICIARY, "Dora", "Deux")
    second = make_bilan(cast.org, other, cast.consultant)
    say(cast.bilan, cast.beneficiary)
    say(second, other)
    say(second, other)
    assert send_message_digests() == 1
    to_consultant = [m for m in mail.outbox if m.to == [cast.consultant.email]]
    assert len(to_consultant) == 1
    body = to_consultant[0].body
    assert f"Bilan {cast.bilan.reference} (Bruno Bénéf) : 1 message non lu" in body
    assert f"Bilan {second.reference} (Dora Deux) : 2 messages non lus" in body


def test_a_failed_email_is_tried_again_at_the_next_run(cast, monkeypatch):
    say(cast.bilan, cast.beneficiary)

    def broken(**kwargs) -> None:
        raise OSError("SMTP down")

    monkeypatch.setattr(emails, "message_digest", broken)
    assert send_message_digests() == 0
    assert not DigestLog.objects.exists()
    monkeypatch.undo()
    assert send_message_digests() == 1


def test_the_digest_runs_every_60_minutes_in_django_q(db):
    schedule = Schedule.objects.get(name="bilan-message-digests")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "bilan.exchanges.tasks.send_message_digests",
        Schedule.MINUTES,
        60,
        -1,
    )


def test_the_management_command_sends_the_digests_due(cast, capsys):
    say(cast.bilan, cast.beneficiary)
    call_command("send_message_digests")
    assert "1 récapitulatif(s) envoyé(s)" in capsys.readouterr().out
    assert len(mail.outbox) == 1
