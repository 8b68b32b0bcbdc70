from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "bilan.quality"
    label = "quality"
    verbose_name = "Qualité (Qualiopi)"
