from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bilan.followup"
    label = "followup"

    def ready(self) -> None:
        # followup.closing owns closing; the core's page and transition call it through here.
        from bilan.bilans import closing as core_closing
        from bilan.followup import closing

        core_closing.register(missing=closing.missing, close=closing.close_bilan)
