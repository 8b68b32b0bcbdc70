"""Staff URLs of the document de synthèse."""

from bilan.documents import views

app_name = "documents"
urlpatterns = [*views.urlpatterns]
