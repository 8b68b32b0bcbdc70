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
    path("registres/article-30/", views.article30, name="article30"),
    path("registres/article-30.pdf", views.article30_pdf, name="article30_pdf"),
    path("registres/aipd/", views.dpia, name="dpia"),
    path("registres/aipd.pdf", views.dpia_pdf, name="dpia_pdf"),
    path("violations/", views.breaches, name="breaches"),
    path("violations/<int:pk>/notifiee/", views.breach_notified, name="breach_notified"),
    path("demandes/", views.data_requests, name="requests"),
    path("demandes/<int:pk>/", views.data_request, name="request"),
    path("demandes/<int:pk>/reponse/", views.answer_request, name="answer_request"),
    path("demandes/<int:pk>/prolongation/", views.extend_request, name="extend_request"),
    path("certificats/<int:bilan_id>/", views.certificate, name="certificate"),
]
