from django.urls import path

from bilan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("connexion/lien/", views.login_link_request, name="login_link_request"),
    path("connexion/lien/envoye/", views.login_link_sent, name="login_link_sent"),
    path("connexion/lien/<str:token>/", views.login_link, name="login_link"),
    path("deconnexion/", views.logout, name="logout"),
    path("mot-de-passe/oubli/", views.reset, name="reset"),
    path("mot-de-passe/oubli/envoye/", views.reset_sent, name="reset_sent"),
    path("mot-de-passe/<uidb64>/<token>/", views.reset_confirm, name="reset_confirm"),
    path("mot-de-passe/modifie/", views.reset_done, name="reset_done"),
    path("mot-de-passe/", views.password_change, name="password_change"),
    path("mot-de-passe/change/", views.password_change_done, name="password_change_done"),
    path("invitation/<uidb64>/<token>/", views.invitation, name="invitation"),
    path("connexion/code/", views.mfa_verify, name="mfa_verify"),
    path("double-authentification/", views.mfa_enrol, name="mfa_enrol"),
    path("double-authentification/desactiver/", views.mfa_disable, name="mfa_disable"),
    path("jetons/", views.tokens, name="tokens"),
    path("jetons/<int:pk>/revoquer/", views.token_revoke, name="token_revoke"),
]
