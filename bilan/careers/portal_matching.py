"""The beneficiary's space: « Mes centres d'intérêt » (the card sort of ROME's centres
d'intérêt, a top 5, and « Ce que je veux éviter ») and « Pistes suggérées » (the latest
rapprochement the consultant has reviewed, never one before). See urlpatterns at the bottom.

Rules and audit live in bilan/careers/interests.py and bilan/careers/matches.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _t

from bilan.careers import interests, matches
from bilan.careers.matching import MAX_RANKED
from bilan.careers.views_matching import linked_results
from bilan.exercises.parcours import current_bilan
from bilan.exercises.portal import no_bilan
from bilan.organisations.access import beneficiary_required

FICHE_PATH = "/espace/metiers/fiche/{code_rome}/"


def _state_from_sort(sort) -> dict:
    if sort is None:
        return {"chosen": set(), "ranks": {}, "avoided": set()}
    return {
        "chosen": {int(c) for c in sort.chosen},
        "ranks": {int(c): str(i) for i, c in enumerate(sort.ranked, 1)},
        "avoided": {int(c) for c in sort.avoided_contexts},
    }


def _state_from_post(request: HttpRequest) -> dict:
    def ints(values: list[str]) -> set[int]:
        return {int(v) for v in values if v.strip().isdecimal()}

    ranks = {}
    for key, value in request.POST.items():
        if key.startswith("rank_") and key[5:].isdecimal() and value.strip():
            ranks[int(key[5:])] = value
    return {
        "chosen": ints(request.POST.getlist("chosen")),
        "ranks": ranks,
        "avoided": ints(request.POST.getlist("avoided")),
        "raw_chosen": request.POST.getlist("chosen"),
        "raw_avoided": request.POST.getlist("avoided"),
    }


def render_interests(
    request: HttpRequest,
    bilan,
    sort,
    state: dict,
    errors: list[str] = (),  # type: ignore[assignment]
    status: int = 200,
) -> TemplateResponse:
    cards = [
        {
            "centre": c,
            "chosen": c.code in state["chosen"] or c.code in state["ranks"],
            "rank": state["ranks"].get(c.code, ""),
        }
        for c in interests.centres()
    ]
    groups = [
        {
            "label": g.type_label,
            "contexts": [
                {"context": c, "avoided": c.code_ogr in state["avoided"]} for c in g.contexts
            ],
        }
        for g in interests.context_groups()
    ]
    return TemplateResponse(
        request,
        "portal/interests.html",
        {
            "bilan": bilan,
            "sort": sort,
            "cards": cards,
            "groups": groups,
            "ranks": [str(r) for r in range(1, MAX_RANKED + 1)],
            "top": sorted((c for c in cards if c["rank"]), key=lambda c: c["rank"]),
            "may_edit": interests.may_edit(bilan, request.user),
            "errors": errors,
        },
        status=status,
    )


@beneficiary_required
def interests_page(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Mes centres d'intérêt"))
    sort = interests.read_interest_sort(reader=request.user, bilan=bilan)
    if request.method != "POST":
        return render_interests(request, bilan, sort, _state_from_sort(sort))
    state = _state_from_post(request)
    try:
        ranked = interests.ranking_from_positions(state["ranks"])
        interests.save_interest_sort(
            bilan=bilan,
            by=request.user,
            chosen=state["raw_chosen"],
            ranked=ranked,
            avoided_contexts=state["raw_avoided"],
        )
    except ValidationError as error:
        return render_interests(request, bilan, sort, state, error.messages, status=422)
    messages.success(request, _t("Vos centres d'intérêt sont enregistrés."))
    return redirect("portal:interests")


@beneficiary_required
def suggestions(request: HttpRequest) -> HttpResponse:
    bilan = current_bilan(request.user)
    if bilan is None:
        return no_bilan(request, _t("Pistes suggérées"))
    run = matches.suggestions_for(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "portal/suggestions.html",
        {
            "bilan": bilan,
            "run": run,
            "summary": matches.summary(run) if run else None,
            "results": linked_results(run.results, "portal:metiers_fiche", FICHE_PATH)
            if run
            else [],
            "label": matches.LABEL,
        },
    )


urlpatterns: list = [
    path("centres-interet/", interests_page, name="interests"),
    path("pistes-suggerees/", suggestions, name="suggestions"),
]
