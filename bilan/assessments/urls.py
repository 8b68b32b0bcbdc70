"""Staff URLs of assessments."""

from bilan.assessments import views

app_name = "assessments"
urlpatterns = [*views.urlpatterns]
