from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "bilan.assessments"
    label = "assessments"
