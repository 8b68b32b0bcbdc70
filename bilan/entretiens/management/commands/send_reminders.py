"""Send the day-before reminder of tomorrow's entretiens (each once). The django-q2 schedule
« bilan-reminders » runs the same task every 15 minutes; this command is for cron or by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bilan.entretiens.tasks import send_entretien_reminders


class Command(BaseCommand):
    help = "Send the day-before reminder of tomorrow's entretiens (each once)."

    def handle(self, *args, **options) -> None:
        sent = send_entretien_reminders()
        self.stdout.write(f"{sent} rappel(s) envoyé(s) / reminder(s) sent.")
