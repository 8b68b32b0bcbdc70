from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "bilan.portal"
    label = "portal"
