from django.apps import AppConfig


class EntretiensConfig(AppConfig):
    name = "bilan.entretiens"
    label = "entretiens"
