from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "bilan.bilans"
    label = "bilans"

    def ready(self) -> None:
        # why: an AppConfig imports its app's modules only once the registry is ready.
        from bilan.lib import logs
        from bilan.lib.text import install_storable_text_checks

        # A refused act on an existing bilan is a 409 (an expected conflict): logged at INFO.
        logs.install()
        # NUL and lone surrogates refused in every form text field and on every save.
        install_storable_text_checks()
