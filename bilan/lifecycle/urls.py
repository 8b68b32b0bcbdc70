from django.urls import path

from bilan.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("conservation/", views.rules, name="rules"),
    path("conservation/<int:pk>/confirmer/", views.confirm_rule, name="confirm_rule"),
    path("bilan/<int:pk>/", views.bilan_lifecycle, name="bilan"),
    path("bilan/<int:pk>/suspension/", views.place_hold, name="place_hold"),
    path("bilan/<int:pk>/suspension/levee/", views.lift_hold, name="lift_hold"),
    path("bilan/<int:pk>/preuves/", views.proof_variant, name="proof_variant"),
    path("certificats/", views.certificates, name="certificates"),
    path("demandes/", views.data_requests, name="requests"),
    path("demandes/<int:pk>/", views.data_request, name="request"),
    path("demandes/<int:pk>/reponse/", views.answer_request, name="answer_request"),
    path("demandes/<int:pk>/prolongation/", views.extend_request, name="extend_request"),
    path("certificats/<int:bilan_id>/", views.certificate, name="certificate"),
]
