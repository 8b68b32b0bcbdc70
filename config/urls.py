from django.urls import include, path, re_path

from bilan.bilans import views as bilan_views
from bilan.organisations import views as org_views
from config.api import api

urlpatterns = [
    path("", bilan_views.home, name="home"),
    path("compte/", include("bilan.accounts.urls")),
    path("bilans/", include("bilan.bilans.urls")),
    path("entretiens/", include("bilan.entretiens.urls")),
    path("espace/", include("bilan.portal.urls")),
    path("tests/", include("bilan.assessments.urls")),
    path("exercices/", include("bilan.exercises.urls")),
    path("echanges/", include("bilan.exchanges.urls")),
    path("metiers/", include("bilan.careers.urls")),
    path("syntheses/", include("bilan.documents.urls")),
    path("conclusions/", include("bilan.followup.urls")),
    path("organisme/journal/", include("bilan.compliance.urls")),
    path("financement/", include("bilan.funding.urls")),
    path("organisme/", include("bilan.organisations.urls")),
    path("facturation/", include("bilan.billing.urls")),
    path("donnees/", include("bilan.lifecycle.urls")),
    path("qualite/", include("bilan.quality.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Logos are the only uploaded files served publicly; content files never are.
    re_path(r"^media/(?P<path>logos/[\w.-]+)$", org_views.logo, name="logo"),
]
