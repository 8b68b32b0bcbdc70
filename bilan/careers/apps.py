from __future__ import annotations

from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "bilan.careers"
    label = "careers"

    def ready(self) -> None:
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.careers import competences
        from bilan.exercises import referential

        # « Mon parcours » (exercises, below careers) links competences to the ROME through here.
        referential.register(
            search=competences.search, item=competences.item, labels=competences.labels
        )

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
