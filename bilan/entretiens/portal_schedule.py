"""The beneficiary's space: the .ics of their entretiens, and the way into a video entretien
(REQ-57): the link opens from her space through `join`, which records the connection time
(REQ-21's connection log, read by the hours ledger) and then sends her to the video room
(see urlpatterns at the bottom)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path

from bilan.bilans.models import RuleViolation
from bilan.entretiens import calendar
from bilan.entretiens.models import Entretien, record_join
from bilan.lib.net import client_ip, client_ua
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


@beneficiary_required
def join(request: HttpRequest, pk: int) -> HttpResponse:
    """Record her connection, then redirect to the video link (recording stays off)."""
    entretien = get_object_or_404(
        Entretien.objects.select_related("bilan"),
        pk=pk,
        bilan__beneficiary=request.user,
        bilan__organisation_id=request.user.membership.organisation_id,
    )
    try:
        record_join(
            entretien=entretien,
            user=request.user,
            ip=client_ip(request),
            user_agent=client_ua(request),
        )
    except RuleViolation as e:
        for message in e.messages:
            messages.error(request, message)
        return redirect("portal:home")
    return HttpResponseRedirect(entretien.video_link)


urlpatterns = [
    path("entretiens/<int:pk>/visio/", join, name="entretien_join"),
    path("entretiens/<int:pk>/invitation.ics", invitation, name="entretien_invitation"),
]
