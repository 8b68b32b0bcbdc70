from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bilan.followup"
    label = "followup"

    def ready(self) -> None:
        # why: an AppConfig imports its app's modules only once the registry is ready.
        from bilan.bilans import closing as core_closing
        from bilan.followup import closing

        # followup.closing owns closing; the core's page and transition call it through here.

        core_closing.register(missing=closing.missing, close=closing.close_bilan)
        # The certificate versions are a part of the proof bundle (entretiens.proof).
        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.entretiens.proof import register_bundle_part
        from bilan.followup.certificate import bundle_part

        register_bundle_part("certificates", bundle_part)
