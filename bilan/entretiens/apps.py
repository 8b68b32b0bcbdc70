from django.apps import AppConfig


class EntretiensConfig(AppConfig):
    name = "bilan.entretiens"
    label = "entretiens"

    def ready(self) -> None:
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.bilans import delivery
        from bilan.bilans import minutes as core_minutes
        from bilan.bilans import sections as core_sections
        from bilan.entretiens import ledger, minutes, sections

        # The hours budget (a core rule) counts entretiens and inter-session work through here.
        core_minutes.register(annotations=minutes.annotations, of=minutes.of)
        # The bilan page's entretiens and the dashboards' (the core's pages) through here.
        core_sections.register("entretiens", detail=sections.detail, dashboard=sections.dashboard)
        # The ledger owns what proves an entretien delivered; the core's budget applies it.
        delivery.register(proven=ledger.proven)
