from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path

from bilan.api.api import api
from bilan.bilans import views as bilan_views

urlpatterns = [
    path("", bilan_views.home, name="home"),
    path("compte/", include("bilan.accounts.urls")),
    path("bilans/", include("bilan.bilans.urls")),
    path("espace/", include("bilan.portal.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
