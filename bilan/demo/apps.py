"""The demo: `manage.py demo` and the scenario that walks a bilan through its lifecycle with the
real rule owners. It sits above every feature (it uses them all), so no app imports it but
tests."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bilan.demo"
    label = "demo"
