from django.urls import path

from bilan.assessments import portal as views_tests
from bilan.billing import portal as views_billing
from bilan.careers import portal_matching as views_matching
from bilan.careers import portal_metiers as views_metiers
from bilan.careers import portal_pistes as views_pistes
from bilan.documents import portal_documents as views_documents
from bilan.documents import portal_synthese as views_synthese
from bilan.entretiens import portal_assignments as views_assignments
from bilan.entretiens import portal_attendance as views_attendance
from bilan.entretiens import portal_notes as views_notes
from bilan.entretiens import portal_schedule as views_schedule
from bilan.exchanges import portal_journal as views_journal
from bilan.exchanges import portal_messages as views_messages
from bilan.exercises import portal as views_exercises
from bilan.followup import portal as views_followup
from bilan.funding import portal_simulator as views_simulator
from bilan.lifecycle import portal as views_lifecycle
from bilan.portal import views
from bilan.quality import portal as views_quality
from bilan.quality import portal_complaints as views_complaints

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
    *views_billing.urlpatterns,
    *views_lifecycle.urlpatterns,
    *views_quality.urlpatterns,
    *views_complaints.urlpatterns,
    *views_simulator.urlpatterns,
]
