from django.urls import path

app_name = "bilans"
urlpatterns: list = []
