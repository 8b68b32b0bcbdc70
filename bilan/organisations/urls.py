from django.urls import path

from bilan.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("equipe/", views.team, name="team"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:pk>/", views.answer_invitation, name="answer_invitation"),
    path("choisir/", views.choose_organisation, name="choose"),
]
