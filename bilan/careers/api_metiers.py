"""API v1: the ROME referential (search, fiche) and the beneficiary's documentary research.

Any authenticated API user searches and reads fiches (the referential is not bilan content).
A bilan's saved fiches follow bilan/careers/research.py: the beneficiary writes (403 for anyone
else, 409 when the bilan is not in its phases, 422 for bad input), the beneficiary and the
assigned consultant read (audited), the administration gets a 403, others a 404. Every answer
carries the ROME version and the attribution the Licence Ouverte requires.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.careers import fiches, research, search
from bilan.careers.models import TEXT_MAX, SavedFiche
from bilan.careers.referential import attribution, current_version
from bilan.careers.templatetags.careers import RomeVersionNumber

router = Router(tags=["metiers"])

CodeRome = Annotated[str, Path(min_length=1, max_length=20)]
TIERS = {
    search.EXACT: "exact",
    search.STARTS: "starts_with",
    search.WORDS: "words",
    search.FUZZY: "approximate",
    -1: "filters",
}


class SearchHitOut(Schema):
    code_rome: str
    label: str = Field(description="The métier's label (its principal appellation)")
    appellation: str = Field(description="The best matching appellation")
    appellation_code_ogr: int
    match: str = Field(description="exact, starts_with, words, approximate, or filters")


class SearchOut(Schema):
    query: str = Field(description="The query as used: trimmed, cut to 100 characters")
    truncated: bool
    total: int = Field(description="Métiers matching, before the limit")
    items: list[SearchHitOut]
    messages: list[str] = Field(description="What to tell the user (no result, query cut…)")
    rome_version: str
    attribution: str


class MetierItemOut(Schema):
    label: str
    core: bool
    emerging: bool


class GroupOut(Schema):
    label: str
    core: bool
    emerging: bool
    items: list[MetierItemOut]


class RiasecOut(Schema):
    letter: str
    name: str
    plain: str


class CentreOut(Schema):
    code: int
    label: str
    principal: bool


class SecteurOut(Schema):
    code: str
    label: str
    parent: str
    principal: bool


class LinkOut(Schema):
    code_rome: str
    label: str


class AppellationOut(Schema):
    code_ogr: int
    label: str
    principal: bool
    rarely_used: bool


class FicheOut(Schema):
    code_rome: str
    label: str
    grand_domaine: str
    grand_domaine_code: str
    domaine: str
    domaine_code: str
    definition: list[str]
    access: list[str]
    riasec_major: RiasecOut | None
    riasec_minor: RiasecOut | None
    savoir_faire: list[GroupOut]
    savoir_etre: list[MetierItemOut]
    savoirs: list[GroupOut]
    contextes: list[GroupOut]
    centres: list[CentreOut]
    secteurs: list[SecteurOut]
    mobilites: list[LinkOut]
    appellations: list[AppellationOut]
    regulated: bool
    cadre: bool
    transition_eco: str
    transition_num: bool
    transition_demo: bool
    rome_version: str
    attribution: str


class SavedFicheIn(InputSchema):
    code_rome: str = Field(max_length=20)
    attracts: str = Field("", max_length=TEXT_MAX, description="« Ce qui m'attire »")
    worries: str = Field("", max_length=TEXT_MAX, description="« Ce qui m'inquiète »")
    questions: str = Field("", max_length=TEXT_MAX, description="« Questions à poser »")
    assignment_id: int | None = Field(
        None, description="An open documentary-research assignment of the bilan it answers"
    )


class SavedFicheOut(Schema):
    id: int
    bilan_id: int
    code_rome: str
    metier_label: str
    rome_version: str
    attribution: str
    assignment_id: int | None
    attracts: str
    worries: str
    questions: str
    created_at: dt.datetime
    updated_at: dt.datetime


def saved_out(saved: SavedFiche) -> dict[str, Any]:
    return {
        "id": saved.pk,
        "bilan_id": saved.bilan_id,
        "code_rome": saved.code_rome,
        "metier_label": saved.metier_label,
        "rome_version": saved.rome_version,
        "attribution": attribution(
            RomeVersionNumber(saved.rome_version) if saved.rome_version else None
        ),
        "assignment_id": saved.assignment_id,
        "attracts": saved.attracts,
        "worries": saved.worries,
        "questions": saved.questions,
        "created_at": saved.created_at,
        "updated_at": saved.updated_at,
    }


@router.get(
    "/metiers",
    response={200: SearchOut, **errors(401, 403, 422)},
    operation_id="search_metiers",
    summary="Search métiers by any appellation (accents, case, gender and small typos aside)",
)
def search_metiers(
    request: HttpRequest,
    q: str = "",
    domaine: str = Query("", description="A grand domaine (K) or domaine professionnel (K21)"),
    riasec: str = Query("", description="A RIASEC letter as major; « S+ »: major or minor"),
    centre: int | None = Query(None, description="A centre d'intérêt code"),
    avoid_contexte: Annotated[
        list[int] | None, Query(description="Contexts of work to exclude (repeatable)")
    ] = None,
    require_contexte: Annotated[
        list[int] | None, Query(description="Contexts of work required (repeatable)")
    ] = None,
    limit: int = Query(search.DEFAULT_LIMIT, ge=1, le=search.LIMIT_MAX),
) -> dict[str, Any]:
    acting_user(request)
    filters = search.parse_filters(
        domaine=domaine,
        riasec=riasec,
        centre=centre,
        avoid_contexte=avoid_contexte,
        require_contexte=require_contexte,
    )
    outcome = search.search(search.current_index(), q, filters, limit=limit)
    version = current_version()
    return {
        "query": outcome.query,
        "truncated": outcome.truncated,
        "total": outcome.total,
        "items": [
            {
                "code_rome": h.code_rome,
                "label": h.metier_label,
                "appellation": h.appellation,
                "appellation_code_ogr": h.code_ogr,
                "match": TIERS[h.tier],
            }
            for h in outcome.hits
        ],
        "messages": outcome.messages,
        "rome_version": version.number if version else "",
        "attribution": attribution(version),
    }


@router.get(
    "/metiers/{code_rome}",
    response={200: FicheOut, **errors(401, 403, 404, 422)},
    operation_id="get_metier",
    summary="A fiche métier: definition, access, competences grouped, contexts, mobilities…",
)
def get_metier(request: HttpRequest, code_rome: CodeRome) -> dict[str, Any]:
    acting_user(request)
    return fiches.fiche_as_dict(fiches.build_fiche(code_rome))


@router.get(
    "/bilans/{bilan_id}/recherches",
    response={200: list[SavedFicheOut], **errors(401, 403, 404, 422)},
    operation_id="list_saved_fiches",
    summary="The fiches saved to the bilan's documentary research (beneficiary; consultant, audited)",
)
def list_saved_fiches(request: HttpRequest, bilan_id: BilanId) -> list[dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    return [
        saved_out(s) for s in research.read_saved_fiches(reader=user, bilan=bilan, channel="api")
    ]


@router.post(
    "/bilans/{bilan_id}/recherches",
    response={200: SavedFicheOut, 201: SavedFicheOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_fiche",
    summary="Save a fiche to the research with notes (beneficiary); saving it again updates it",
)
def save_fiche(
    request: HttpRequest, bilan_id: BilanId, payload: SavedFicheIn
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    saved, created = research.save_fiche(
        bilan=bilan,
        by=user,
        code_rome=payload.code_rome,
        attracts=payload.attracts,
        worries=payload.worries,
        questions=payload.questions,
        assignment_id=payload.assignment_id,
    )
    return Status(201 if created else 200, saved_out(saved))


SavedId = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.delete(
    "/bilans/{bilan_id}/recherches/{saved_id}",
    response={204: None, **errors(401, 403, 404, 409, 422)},
    operation_id="remove_saved_fiche",
    summary="Remove a fiche (and its notes) from the research (beneficiary, in the bilan's phases)",
)
def remove_saved_fiche(
    request: HttpRequest, bilan_id: BilanId, saved_id: SavedId
) -> tuple[int, None]:
    user = acting_user(request)
    saved = research.get_saved_fiche_for_user(user, saved_id)
    if saved.bilan_id != bilan_id:
        raise Http404
    research.remove_fiche(saved=saved, by=user)
    return Status(204, None)
