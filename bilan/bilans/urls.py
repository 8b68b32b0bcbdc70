from django.urls import path

from bilan.bilans import views

app_name = "bilans"
urlpatterns = [
    path("", views.bilan_list, name="list"),
    path("nouveau/", views.bilan_create, name="create"),
    path("<int:pk>/", views.bilan_detail, name="detail"),
    path("<int:pk>/etape/<str:name>/", views.bilan_transition, name="transition"),
    path("<int:pk>/consentement/", views.bilan_consent, name="consent"),
    path("<int:pk>/cadrage/", views.bilan_framing, name="framing"),
    path("<int:pk>/heures/", views.bilan_hours, name="hours"),
    path("<int:pk>/travail-personnel/", views.bilan_personal_work, name="personal_work"),
    path("<int:pk>/consultant/", views.bilan_reassign, name="reassign"),
    path("<int:pk>/administratif/", views.bilan_administration, name="administration"),
]
