from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "bilan.worker"
    label = "worker"
