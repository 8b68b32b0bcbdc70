from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """The data lifecycle (issue 16): retention by document class, destruction, legal holds,
    the information notice's versions, the beneficiary's « Mes données » and the registers."""

    name = "bilan.lifecycle"
    label = "lifecycle"
    verbose_name = "Cycle de vie des données"

    def ready(self) -> None:
        # lifecycle.notice owns the notice's versions; the core's record_consent asks through here.
        from django.contrib.auth.signals import user_logged_in

        # why: an AppConfig imports its app's models only once the registry is ready.
        from bilan.bilans import notice as core_notice
        from bilan.lifecycle import notice

        core_notice.register(notice.current_version)
        user_logged_in.connect(notice.on_login, dispatch_uid="lifecycle-notice-on-login")
