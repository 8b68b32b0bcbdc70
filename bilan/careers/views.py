"""Staff pages of documentary research (see urlpatterns at the bottom): search the ROME, read a
fiche métier, and read a bilan's saved fiches.

The referential is not bilan content: any consultant or admin of any organisation reads it.
A bilan's saved fiches are: the assigned consultant reads them (audited), the administration
gets a 403 (REQ-54), colleagues and other organisations a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import patch_vary_headers

from bilan.bilans.access import get_bilan_for_user
from bilan.careers import fiches, research, search
from bilan.careers.models import CentreInteret, ContexteTravail, GrandDomaine
from bilan.careers.referential import current_version
from bilan.organisations.access import staff_required

RESULTS_TEMPLATE = "careers/_search_results.html"


def run_search(request: HttpRequest) -> dict[str, Any]:
    """The search of the request's GET parameters, and what the form needs to show them."""
    get = request.GET
    filters = search.parse_filters(
        domaine=get.get("domaine"),
        riasec=get.get("riasec"),
        centre=get.get("centre"),
        avoid_contexte=get.getlist("avoid_contexte"),
        require_contexte=get.getlist("require_contexte"),
    )
    limit = search.LIMIT_MAX if get.get("limit") == str(search.LIMIT_MAX) else search.DEFAULT_LIMIT
    outcome = search.search(search.current_index(), get.get("q"), filters, limit=limit)
    more = None
    if outcome.total > len(outcome.hits) and limit < search.LIMIT_MAX:
        params = get.copy()
        params["limit"] = str(search.LIMIT_MAX)
        more = f"{request.path}?{params.urlencode()}"
    return {"outcome": outcome, "filters": filters, "q": outcome.query, "more_url": more}


def filter_choices() -> dict[str, Any]:
    """The lists the filters offer (grands domaines with their domaines, RIASEC, centres
    d'intérêt, contexts of work by type)."""
    contextes: dict[str, list[ContexteTravail]] = {}
    for ctx in ContexteTravail.objects.all():
        contextes.setdefault(ctx.type_label, []).append(ctx)
    return {
        "grands_domaines": GrandDomaine.objects.prefetch_related("domaines"),
        "riasec_types": [fiches.riasec_type(letter) for letter in "RIASEC"],
        "centres": CentreInteret.objects.all(),
        "contextes_by_type": list(contextes.items()),
    }


def render_search(
    request: HttpRequest, template: str, fiche_url: str, **extra: Any
) -> TemplateResponse:
    context = {**run_search(request), "fiche_url": fiche_url, **extra}
    # htmx asks for the results only, except when it restores a page missing from its history.
    if request.htmx and not request.htmx.history_restore_request:
        response = TemplateResponse(request, RESULTS_TEMPLATE, context)
    else:
        context.update(filter_choices(), rome_version=current_version(request))
        response = TemplateResponse(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a page or a fragment
    return response


def render_fiche(
    request: HttpRequest, template: str, code_rome: str, **extra: Any
) -> TemplateResponse:
    """The fiche page, or the same page saying the code is unknown, with a 404."""
    version = current_version(request)
    try:
        fiche = fiches.build_fiche(code_rome, version=version)
    except Http404:
        context = {"fiche": None, "unknown_code": (code_rome or "")[:20], **extra}
        return TemplateResponse(request, template, context, status=404)
    return TemplateResponse(request, template, {"fiche": fiche, "rome_version": version, **extra})


@staff_required
def search_page(request: HttpRequest) -> HttpResponse:
    return render_search(request, "careers/search.html", "careers:fiche")


@staff_required
def fiche_page(request: HttpRequest, code_rome: str) -> HttpResponse:
    return render_fiche(
        request,
        "careers/fiche.html",
        code_rome,
        search_url="careers:search",
        fiche_url="careers:fiche",
    )


@staff_required
def bilan_recherches(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = get_bilan_for_user(request.user, pk)
    saved = research.read_saved_fiches(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request, "careers/recherches.html", {"bilan": bilan, "saved_fiches": saved}
    )


urlpatterns: list = [
    path("", search_page, name="search"),
    path("fiche/<str:code_rome>/", fiche_page, name="fiche"),
    path("bilan/<int:pk>/recherches/", bilan_recherches, name="recherches"),
]
