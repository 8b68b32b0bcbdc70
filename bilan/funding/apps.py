from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "bilan.funding"
    label = "funding"

    def ready(self) -> None:
        # funding.rules owns every change of a bilan's funding; the core's administration
        # page reaches it through the hook (bilan/bilans/funding_hook.py).
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.bilans import funding_hook, gates
        from bilan.funding import edof, rules

        funding_hook.register(change_route=rules.change_primary_route)
        gates.register("edof_accepted", edof.session_gate)
