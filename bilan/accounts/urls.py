from django.urls import path

from bilan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path("mot-de-passe/oubli/", views.reset, name="reset"),
    path("mot-de-passe/oubli/envoye/", views.reset_sent, name="reset_sent"),
    path("mot-de-passe/<uidb64>/<token>/", views.reset_confirm, name="reset_confirm"),
    path("mot-de-passe/modifie/", views.reset_done, name="reset_done"),
    path("mot-de-passe/", views.password_change, name="password_change"),
    path("mot-de-passe/change/", views.password_change_done, name="password_change_done"),
    path("invitation/<uidb64>/<token>/", views.invitation, name="invitation"),
    path("equipe/", views.team, name="team"),
]
