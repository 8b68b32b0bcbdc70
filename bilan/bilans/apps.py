from django.apps import AppConfig


class BilansConfig(AppConfig):
    name = "bilan.bilans"
    label = "bilans"

    def ready(self) -> None:
        from bilan.lib.text import install_storable_text_checks

        # NUL and lone surrogates refused in every form text field and on every save.
        install_storable_text_checks()
