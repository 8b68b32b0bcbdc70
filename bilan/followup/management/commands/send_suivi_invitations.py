"""Invite beneficiaries to fill in their self-diagnosis two weeks before their entretien de
suivi (each bilan once, ever). The django-q2 schedule « bilan-suivi-invitations » runs the
same task daily; this command is for cron or by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from bilan.followup.tasks import send_suivi_invitations


class Command(BaseCommand):
    help = "Send the suivi self-diagnosis invitations that are due (each bilan once, ever)."

    def handle(self, *args, **options) -> None:
        sent = send_suivi_invitations()
        self.stdout.write(f"{sent} invitation(s) à l'auto-diagnostic envoyée(s) / sent.")
