"""Each feature's view module owns its URL patterns; they are gathered here."""

from bilan.entretiens import (
    views_assignments,
    views_attendance,
    views_conduct,
    views_guides,
    views_schedule,
)

app_name = "entretiens"
urlpatterns = [
    *views_guides.urlpatterns,
    *views_schedule.urlpatterns,
    *views_conduct.urlpatterns,
    *views_attendance.urlpatterns,
    *views_assignments.urlpatterns,
]
