from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "bilan.organisations"
    label = "organisations"

    def ready(self) -> None:
        # why: an AppConfig imports its app's modules only once the registry is ready.
        from bilan.accounts import forms as account_forms
        from bilan.organisations.access import link_recipient

        # Who may sign in by link is a rule of roles: accounts asks it through here.
        account_forms.register_link_recipient(link_recipient)
