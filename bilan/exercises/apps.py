from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "bilan.exercises"
    label = "exercises"
