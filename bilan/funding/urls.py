from bilan.funding import views

app_name = "funding"
urlpatterns = views.urlpatterns
