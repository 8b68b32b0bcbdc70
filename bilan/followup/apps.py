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
