from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "bilan.bilans"
    label = "bilans"

    def ready(self) -> None:
        from bilan.lib import logs

        # A refused act on an existing bilan is a 409 (an expected conflict): logged at INFO.
        logs.install()
