"""Send the message digests due (at most one e-mail a day per person). The django-q2 schedule
« bilan-message-digests » runs the same task every 60 minutes; this command is for cron or by
hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bilan.exchanges.tasks import send_message_digests


class Command(BaseCommand):
    help = "Send the message digests due (at most one e-mail a day per person)."

    def handle(self, *args, **options) -> None:
        sent = send_message_digests()
        self.stdout.write(f"{sent} récapitulatif(s) envoyé(s) / digest(s) sent.")
