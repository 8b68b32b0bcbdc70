from bilan.quality import views

app_name = "quality"
urlpatterns = views.urlpatterns
