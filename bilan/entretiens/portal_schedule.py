"""The beneficiary's space: the .ics of their entretiens (see urlpatterns at the bottom)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from bilan.entretiens import calendar
from bilan.entretiens.models import Entretien
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The same .ics as in the e-mails; another person's entretien does not exist here."""
    entretien = get_object_or_404(
        Entretien.objects.select_related("bilan__beneficiary", "bilan__consultant"),
        pk=pk,
        bilan__beneficiary=request.user,
        bilan__organisation_id=request.user.membership.organisation_id,
    )
    return calendar.download(entretien)


urlpatterns = [
    path("entretiens/<int:pk>/invitation.ics", invitation, name="entretien_invitation"),
]
