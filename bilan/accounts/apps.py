from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bilan.accounts"
    label = "accounts"
