from django.urls import path

from bilan.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("journal/", views.audit_journal, name="audit"),
]
