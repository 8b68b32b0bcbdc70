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
