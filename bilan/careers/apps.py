from __future__ import annotations

from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "bilan.careers"
    label = "careers"

    def warm(self) -> None:
        """Build the métier search index and the matching snapshot of the current ROME
        version (about 1.4 s with the full referential) before a web worker takes its first
        request (bilan.lib.gunicorn_conf.post_worker_init calls it), instead of during it."""
        # why: models cannot be imported while the app registry loads this module
        from bilan.careers.profile import referential
        from bilan.careers.referential import current_version
        from bilan.careers.search import current_index

        current_index()
        version = current_version()
        if version is not None:
            referential(version)
