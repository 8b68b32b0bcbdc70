"""Staff pages of the métiers app: each views module carries its own urlpatterns."""

from bilan.careers import views, views_matching, views_pistes

app_name = "careers"
urlpatterns = [*views.urlpatterns, *views_pistes.urlpatterns, *views_matching.urlpatterns]
