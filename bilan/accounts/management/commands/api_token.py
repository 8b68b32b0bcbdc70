"""Issue a personal API token: `python manage.py api_token EMAIL` prints it, once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API token for the user with this e-mail address (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: object, email: str, **options: object) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(_t("Aucun compte ne porte l'adresse %(email)s.") % {"email": email})
        if not user.is_active:
            raise CommandError(_t("Le compte %(email)s est désactivé.") % {"email": user.email})
        raw, token = ApiToken.issue_token(user)
        self.stdout.write(raw)
        expiry = timezone.localtime(token.expires_at).strftime("%d/%m/%Y %H:%M")
        self.stderr.write(_t("Ce jeton expire le %(date)s.") % {"date": expiry})
