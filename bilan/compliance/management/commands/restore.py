"""manage.py restore ARCHIVE — puts back a `manage.py backup` archive (checksums first)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _t

from bilan.lib.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restores the database, the private and the media files from a backup archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database or folders that are not empty",
        )

    def handle(self, *args, **options) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(_t("Archive introuvable : %(p)s") % {"p": archive})
        try:
            restored = restore_backup(archive, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _t("Restauré : la sauvegarde du %(at)s, %(n)s fichiers.")
            % {"at": restored.manifest["created_at"], "n": restored.files}
        )
        if not restored.counts_match:
            self.stderr.write(
                _t("Attention : les nombres de lignes diffèrent de ceux du manifeste.")
            )
        self.stdout.write(_t("Lancez ensuite manage.py migrate si le code est plus récent."))
