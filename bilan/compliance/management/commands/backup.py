"""manage.py backup DEST — the database, PRIVATE_MEDIA_ROOT and MEDIA_ROOT in one tar.gz."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _t

from bilan.lib.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Writes one archive (tar.gz, 0600) of the database and the private and media files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", help="the archive's file name, or a folder for it")

    def handle(self, *args, **options) -> None:
        try:
            path = create_backup(Path(options["destination"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_t("Sauvegarde écrite : %(p)s") % {"p": path})
