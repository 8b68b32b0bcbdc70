"""The beneficiary's cost simulator, before contracting (a GET form: nothing is saved)."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from bilan.accounts.http import AuthenticatedRequest
from bilan.bilans.models import Bilan
from bilan.funding.simulation_form import SimulatorForm
from bilan.funding.views_simulator import simulation_of
from bilan.organisations.access import beneficiary_required


@beneficiary_required
def simulator(request: AuthenticatedRequest) -> HttpResponse:
    bilan = Bilan.objects.current_for(request.user)
    initial = {"situation": bilan.situation} if bilan else {}
    form = SimulatorForm(request.GET or None, initial=initial)
    return TemplateResponse(
        request,
        "funding/simulator.html",
        {"form": form, "simulation": simulation_of(form), "base": "portal/base.html"},
    )


urlpatterns = [path("simulateur/", simulator, name="simulator")]
