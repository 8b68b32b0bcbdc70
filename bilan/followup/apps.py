from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "bilan.followup"
    label = "followup"
