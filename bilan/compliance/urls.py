from django.urls import path

from bilan.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.audit_journal, name="audit"),
]
