from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "bilan.compliance"
    label = "compliance"
