"""Staff pages of the matching (see urlpatterns at the bottom): the assigned consultant
computes the rapprochement, pins or excludes métiers (each decision re-ranks: a new run), and
validates the latest run to share it with the beneficiary.

Only the assigned consultant: the administration gets a 403 (content, REQ-54), colleagues and
other organisations a 404. Rules and audit live in bilan/careers/matches.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from bilan.bilans.views import refusal
from bilan.careers import matches
from bilan.careers.models import CentreInteret, ContexteTravail, MatchDecision
from bilan.organisations.access import staff_required


def fiche_url(url_name: str, code_rome: str, fallback: str = "") -> str:
    """The fiche métier page, when the fiche pages are wired (else `fallback`, a plain path)."""
    try:
        return reverse(url_name, args=[code_rome])
    except NoReverseMatch:
        return fallback.format(code_rome=code_rome) if fallback else ""


def linked_results(results: list[dict], url_name: str, fallback: str = "") -> list[dict]:
    return [{**s, "fiche_url": fiche_url(url_name, s["code_rome"], fallback)} for s in results]


def input_labels(run) -> dict:
    """The centres and contexts of a run's profile, by label, for the consultant to check."""
    if run is None:
        return {}
    profile = run.profile or {}
    centres = dict(
        CentreInteret.objects.filter(
            code__in=[*profile.get("chosen_centres", []), *profile.get("ranked_centres", [])]
        ).values_list("code", "label")
    )
    contexts = dict(
        ContexteTravail.objects.filter(
            code_ogr__in=profile.get("avoided_contexts", [])
        ).values_list("code_ogr", "label")
    )
    ranked = profile.get("ranked_centres", [])
    return {
        "ranked": [centres.get(c, str(c)) for c in ranked],
        "chosen": [
            centres.get(c, str(c)) for c in profile.get("chosen_centres", []) if c not in ranked
        ],
        "avoided": [contexts.get(c, str(c)) for c in profile.get("avoided_contexts", [])],
        "held": sorted(set((profile.get("held") or {}).values())),
    }


@staff_required
def matching(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = matches.get_bilan_for_consultant(request.user, pk)
    run, decisions = matches.read_for_consultant(reader=request.user, bilan=bilan)
    return TemplateResponse(
        request,
        "careers/matching.html",
        {
            "bilan": bilan,
            "run": run,
            "summary": matches.summary(run) if run else None,
            "results": linked_results(run.results, "careers:fiche") if run else [],
            "inputs": input_labels(run),
            "decisions": decisions,
            "label": matches.LABEL,
            "in_phases": bilan.in_phases,
        },
    )


@staff_required
@require_POST
def compute(request: HttpRequest, pk: int) -> HttpResponse:
    bilan = matches.get_bilan_for_consultant(request.user, pk)
    try:
        matches.compute_run(bilan=bilan, by=request.user)
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(request, _t("Rapprochement calculé : relisez-le avant de le partager."))
    return redirect("careers:matching", pk=bilan.pk)


@staff_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin or exclude a métier, then re-rank (a new run)."""
    bilan = matches.get_bilan_for_consultant(request.user, pk)
    decision = request.POST.get("decision", "")
    try:
        made, _run = matches.decide_and_rank(
            bilan=bilan,
            by=request.user,
            code_rome=request.POST.get("code_rome", ""),
            decision=decision,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        refusal(request, error)
    else:
        text = (
            _t("« %(label)s » épinglé ; nouveau classement calculé.")
            if made.decision == MatchDecision.Decision.PIN
            else _t("« %(label)s » écarté ; nouveau classement calculé.")
        )
        messages.success(request, text % {"label": made.metier_label})
    return redirect("careers:matching", pk=bilan.pk)


@staff_required
@require_POST
def undo(request: HttpRequest, pk: int, code_rome: str) -> HttpResponse:
    bilan = matches.get_bilan_for_consultant(request.user, pk)
    try:
        matches.undo_and_rank(bilan=bilan, by=request.user, code_rome=code_rome)
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(request, _t("Décision annulée ; nouveau classement calculé."))
    return redirect("careers:matching", pk=bilan.pk)


@staff_required
@require_POST
def review(request: HttpRequest, pk: int, run_pk: int) -> HttpResponse:
    bilan = matches.get_bilan_for_consultant(request.user, pk)
    run = matches.get_run(bilan, run_pk)
    try:
        matches.review_run(run=run, by=request.user)
    except ValidationError as error:
        refusal(request, error)
    else:
        messages.success(
            request, _t("Rapprochement validé : le ou la bénéficiaire voit ces pistes suggérées.")
        )
    return redirect("careers:matching", pk=bilan.pk)


urlpatterns: list = [
    path("bilan/<int:pk>/rapprochement/", matching, name="matching"),
    path("bilan/<int:pk>/rapprochement/calculer/", compute, name="matching_compute"),
    path("bilan/<int:pk>/rapprochement/decision/", decide, name="matching_decide"),
    path(
        "bilan/<int:pk>/rapprochement/decision/<str:code_rome>/annuler/",
        undo,
        name="matching_undo",
    ),
    path("bilan/<int:pk>/rapprochement/<int:run_pk>/valider/", review, name="matching_review"),
]
