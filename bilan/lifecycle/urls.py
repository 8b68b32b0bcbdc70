from django.urls import path

from bilan.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("conservation/", views.rules, name="rules"),
    path("conservation/<int:pk>/confirmer/", views.confirm_rule, name="confirm_rule"),
]
