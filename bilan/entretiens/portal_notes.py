"""The beneficiary's space: the shared summaries of their held entretiens (see urlpatterns at
the bottom). Private notes are never read here: only `held_summaries`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from bilan.bilans.access import get_bilan_for_user
from bilan.entretiens.notes import held_summaries
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def summaries(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    return TemplateResponse(
        request, "portal/summaries.html", {"bilan": bilan, "summaries": held_summaries(bilan)}
    )


urlpatterns = [
    path("bilan/<int:pk>/syntheses/", summaries, name="summaries"),
]
