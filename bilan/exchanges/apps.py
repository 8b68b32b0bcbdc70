from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "bilan.exchanges"
    label = "exchanges"
