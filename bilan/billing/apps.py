from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "bilan.billing"
    label = "billing"
    verbose_name = "Facturation"
