"""The funder's administrative view (employer, OPCO, France Travail roles): the bilans its
shares tie it to, administrative data only (funding/funders.py), and the certificate."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from bilan.accounts.http import AuthenticatedRequest
from bilan.entretiens.views_attendance import pdf_response
from bilan.followup import certificate
from bilan.funding import funders
from bilan.organisations.access import role_required
from bilan.organisations.models import FUNDER_ROLES

funder_required = role_required(*FUNDER_ROLES)


@funder_required
def funder_home(request: AuthenticatedRequest) -> HttpResponse:
    return TemplateResponse(
        request, "funding/funder.html", {"bilans": funders.funded_bilans(request.user)}
    )


@funder_required
def funder_certificate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    bilan = funders.funded_bilan(request.user, pk)
    try:
        pdf = certificate.certificate_pdf(bilan)
    except ValidationError:
        raise Http404 from None  # not closed yet: no certificate
    return pdf_response(pdf, certificate.filename(bilan))


urlpatterns = [
    path("financeur/", funder_home, name="funder_home"),
    path("financeur/bilans/<int:pk>/certificat.pdf", funder_certificate, name="funder_certificate"),
]
