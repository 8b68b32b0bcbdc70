"""Staff views of exercises (see urlpatterns at the bottom): the assigned consultant reads the
beneficiary's parcours, portefeuille de compétences and motivations, read-only and audited.

Colleagues and other organisations get a 404 (get_bilan_for_user); the administration a 403
(content, REQ-54); nobody but the beneficiary writes here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from bilan.bilans.access import get_bilan_for_user
from bilan.exercises import parcours
from bilan.organisations.access import staff_required


@staff_required
def bilan_parcours(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    experiences = parcours.read_experiences(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "exercises/parcours.html",
        {"bilan": bilan, "experiences": experiences, "tab": "parcours"},
    )


@staff_required
def bilan_portfolio(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    groups = parcours.read_portfolio(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request, "exercises/portfolio.html", {"bilan": bilan, "groups": groups, "tab": "portfolio"}
    )


@staff_required
def bilan_motivations(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    exercise = parcours.read_motivations(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "exercises/motivations.html",
        {
            "bilan": bilan,
            "exercise": exercise,
            "answers": parcours.motivation_answers(exercise),
            "tab": "motivations",
        },
    )


urlpatterns: list = [
    path("bilan/<int:pk>/parcours/", bilan_parcours, name="parcours"),
    path("bilan/<int:pk>/portefeuille/", bilan_portfolio, name="portfolio"),
    path("bilan/<int:pk>/motivations/", bilan_motivations, name="motivations"),
]
