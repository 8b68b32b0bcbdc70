"""Staff URLs of exchanges."""

from bilan.exchanges import views

app_name = "exchanges"
urlpatterns = [*views.urlpatterns]
