from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "bilan.quality"
    label = "quality"
    verbose_name = "Qualité (Qualiopi)"
    demo_seed = "bilan.quality.demo.seed"  # called by `manage.py demo` for each organisation

    def ready(self) -> None:
        # The core calls us when a bilan closes: the « à chaud » and « à froid » invitations.
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.bilans import closing as core_closing
        from bilan.quality import surveys

        core_closing.on_closed(surveys.invite_after_closing)
