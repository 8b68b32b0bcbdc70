from bilan.followup import views

app_name = "followup"
urlpatterns = views.urlpatterns
