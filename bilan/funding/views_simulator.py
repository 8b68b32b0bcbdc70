"""The staff's cost simulator (a GET form: nothing is saved), see funding/simulator.py."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from bilan.accounts.http import AuthenticatedRequest
from bilan.funding.models import CpfRule
from bilan.funding.simulation_form import SimulatorForm
from bilan.funding.simulator import Simulation, simulate
from bilan.organisations.access import staff_required


def simulation_of(form: SimulatorForm) -> Simulation | None:
    if not form.is_bound or not form.is_valid():
        return None
    return simulate(form.cost_input(), CpfRule.in_force(timezone.localdate()))


@staff_required
def simulator(request: AuthenticatedRequest) -> HttpResponse:
    form = SimulatorForm(request.GET or None)
    return TemplateResponse(
        request,
        "funding/simulator.html",
        {"form": form, "simulation": simulation_of(form), "base": "base.html"},
    )


urlpatterns = [path("simulateur/", simulator, name="simulator")]
