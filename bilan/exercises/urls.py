"""Staff URLs of exercises."""

from bilan.exercises import views

app_name = "exercises"
urlpatterns = [*views.urlpatterns]
