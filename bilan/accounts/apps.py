from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "bilan.accounts"
    label = "accounts"

    def ready(self) -> None:
        # why: an AppConfig imports its app's modules only once the registry is ready.
        from bilan.accounts.middleware import stamp_refresh
        from bilan.accounts.signals import membership_deleted, membership_saved

        # A string sender: accounts sits below organisations and does not import it.
        post_save.connect(membership_saved, sender="organisations.Membership")
        post_delete.connect(membership_deleted, sender="organisations.Membership")
        user_logged_in.connect(stamp_refresh)
