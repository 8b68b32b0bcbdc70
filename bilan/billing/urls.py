from bilan.billing import views

app_name = "billing"
urlpatterns = views.urlpatterns
