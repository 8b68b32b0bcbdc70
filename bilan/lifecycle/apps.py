from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """The data lifecycle (issue 16): retention by document class, destruction, legal holds,
    the beneficiary's « Mes données » and the GDPR registers."""

    name = "bilan.lifecycle"
    label = "lifecycle"
    verbose_name = "Cycle de vie des données"
