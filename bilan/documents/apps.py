from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "bilan.documents"
    label = "documents"
