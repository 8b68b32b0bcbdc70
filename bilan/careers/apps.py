from django.apps import AppConfig


class CareersConfig(AppConfig):
    name = "bilan.careers"
    label = "careers"
