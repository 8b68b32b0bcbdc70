from django.apps import AppConfig


class EntretiensConfig(AppConfig):
    name = "bilan.entretiens"
    label = "entretiens"

    def ready(self) -> None:
        # The ledger owns what proves an entretien delivered; the core's budget applies it.
        from bilan.bilans import delivery
        from bilan.entretiens import ledger

        delivery.register(proven=ledger.proven)
