from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bilan.documents"
    label = "documents"

    def ready(self) -> None:
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.documents.synthese import closing_status
        from bilan.followup import closing

        # Closing (followup, below documents) asks the synthèse's state through here.
        closing.register_synthese_status(closing_status)
