"""Rewrap every bilan's data key under the current master key (issue 16).

Rotation, step by step (README « Production »):
1. `manage.py rotate_master_key --generate NEW_ID` prints a new `id:base64` entry;
2. put it first in BILAN_MASTER_KEYS, the old key after it, and restart;
3. `manage.py rotate_master_key`: each live key is rewrapped, one at a time (its key file
   replaced atomically, then its row updated); an interrupted run is simply run again, the keys
   already on the new master key are skipped;
4. once it reports « 0 rewrapped », drop the old key from BILAN_MASTER_KEYS and restart (the
   start-up check refuses to start if a key still needs it).
Content is never re-encrypted: only the data keys' wrapping changes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from bilan.bilans import encryption
from bilan.bilans.models import BilanKey
from bilan.lib.crypto import generate_master_key


class Command(BaseCommand):
    help = "Rewrap every bilan's data key under the first key of BILAN_MASTER_KEYS (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate",
            metavar="ID",
            help="print a new master key entry « ID:base64 » for BILAN_MASTER_KEYS, and stop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            self.stdout.write(generate_master_key(options["generate"]))
            return
        current = encryption.current_master()
        total = BilanKey.objects.filter(destroyed_at__isnull=True).count()
        position = 0

        def progress(row: BilanKey, changed: bool) -> None:
            nonlocal position
            position += 1
            if options["verbosity"] > 1:
                state = "rewrapped" if changed else "already current"
                self.stdout.write(f"{position}/{total} {row.key_id} {state}")

        done, skipped = encryption.rotate(progress=progress)
        self.stdout.write(
            f"{done} rewrapped, {skipped} already on « {current.id} » ({total} live data keys)."
        )
