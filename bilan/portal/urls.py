from django.urls import path

from bilan.portal import (
    views,
    views_assignments,
    views_attendance,
    views_documents,
    views_exercises,
    views_followup,
    views_journal,
    views_matching,
    views_messages,
    views_metiers,
    views_notes,
    views_pistes,
    views_schedule,
    views_synthese,
    views_tests,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("bilan/<int:pk>/consentement/", views.consent, name="consent"),
    path("bilan/<int:pk>/consentement/retrait/", views.withdraw_consent, name="withdraw_consent"),
    path("bilan/<int:pk>/modalites/", views.validate_arrangements, name="validate_arrangements"),
    *views_schedule.urlpatterns,
    *views_attendance.urlpatterns,
    *views_assignments.urlpatterns,
    *views_notes.urlpatterns,
    *views_tests.urlpatterns,
    *views_exercises.urlpatterns,
    *views_journal.urlpatterns,
    *views_messages.urlpatterns,
    *views_metiers.urlpatterns,
    *views_pistes.urlpatterns,
    *views_matching.urlpatterns,
    *views_synthese.urlpatterns,
    *views_followup.urlpatterns,
    *views_documents.urlpatterns,
]
