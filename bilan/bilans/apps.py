from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "bilan.bilans"
    label = "bilans"
