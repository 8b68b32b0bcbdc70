from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "bilan.organisations"
    label = "organisations"
