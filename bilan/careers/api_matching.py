"""API v1: the matching of a bilan with the ROME métiers (top N with reasons).

- `bilan_matches` (GET): the assigned consultant gets a **fresh computation**, not stored
  (the current inputs, pins and exclusions; `run_id` null); the beneficiary gets the latest
  run their consultant reviewed, truncated to `limit` (an empty list before any review,
  `reviewed_at` null). The administration: 403 (content, REQ-54); anyone else: 404.
- `compute_matches` (POST): the assigned consultant computes and stores a run (201), as the
  « Calculer » button does; it still needs the review before the beneficiary sees it.
The ROME version the ranking was made with is in every response.
- `get_interests` / `save_interests`: the beneficiary's card sort of the centres d'intérêt
  (chosen, a ranked top 5) and the contexts of work to avoid, as on « Mes centres
  d'intérêt »: the beneficiary reads and writes (in the bilan's phases), the assigned
  consultant reads (audited), the administration gets 403, anyone else 404. The rules are
  bilan.careers.interests'.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _t
from ninja import Field, Path, Query, Router, Schema, Status

from bilan.accounts.models import User
from bilan.api.base import BilanId, acting_user, errors
from bilan.api.schemas import MAX_INT, InputSchema
from bilan.bilans.access import get_bilan_for_user
from bilan.bilans.models import Bilan
from bilan.careers import interests, matches
from bilan.careers.matching import DEFAULT_LIMIT, MAX_RANKED
from bilan.careers.models import InterestSort, MatchDecision, MatchRun

router = Router(tags=["matching"])


class SuggestionOut(Schema):
    rank: int
    code_rome: str
    label: str
    riasec: str
    score: int
    components: dict[str, int | None]
    reasons: list[str]
    to_acquire: list[str]
    clashes: list[str]
    shared_centres: list[str]
    held: list[str]
    pinned: bool
    pin_reason: str


class MatchesOut(Schema):
    bilan_id: int
    rome_version: str
    label: str
    run_id: int | None
    computed_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    enough: bool
    used: list[str]
    missing: list[str]
    notes: list[str]
    suggestions: list[SuggestionOut]


def run_out(run, limit: int) -> dict[str, Any]:
    info = matches.summary(run)
    return {
        "bilan_id": run.bilan_id,
        "rome_version": run.rome_version,
        "label": str(matches.LABEL),
        "run_id": run.pk,
        "computed_at": run.computed_at,
        "reviewed_at": run.reviewed_at,
        "enough": info["enough"],
        "used": info["used"],
        "missing": info["missing"],
        "notes": info["notes"],
        "suggestions": run.results[:limit],
    }


@router.get(
    "/bilans/{bilan_id}/matches",
    response={200: MatchesOut, **errors(401, 403, 404, 409, 422)},
    operation_id="bilan_matches",
    summary="Top N métiers with their reasons: a fresh ranking for the consultant, the "
    "latest reviewed one for the beneficiary",
)
def bilan_matches(
    request: HttpRequest, bilan_id: BilanId, limit: int = Query(DEFAULT_LIMIT, ge=1, le=50)
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    if user.pk == bilan.beneficiary_id:
        run = matches.suggestions_for(reader=user, bilan=bilan, channel="api")
        if run is not None:
            return run_out(run, limit)
        return {
            "bilan_id": bilan.pk,
            "rome_version": "",
            "label": str(matches.LABEL),
            "run_id": None,
            "computed_at": None,
            "reviewed_at": None,
            "enough": False,
            "used": [],
            "missing": [],
            "notes": [
                _t(
                    "Pas encore de pistes suggérées : votre consultant·e les relit avant de les partager."
                )
            ],
            "suggestions": [],
        }
    if not matches.is_assigned_consultant(user, bilan):
        raise PermissionDenied(_t("Le rapprochement est réservé au ou à la consultant·e du bilan."))
    fresh = matches.preview(bilan=bilan, by=user, limit=limit, channel="api")
    ranking = fresh.ranking
    return {
        "bilan_id": bilan.pk,
        "rome_version": fresh.version.number,
        "label": str(matches.LABEL),
        "run_id": None,
        "computed_at": None,
        "reviewed_at": None,
        "enough": ranking.enough,
        "used": ranking.used,
        "missing": ranking.missing,
        "notes": ranking.notes,
        "suggestions": [s.as_json() for s in ranking.suggestions],
    }


@router.post(
    "/bilans/{bilan_id}/matches",
    response={201: MatchesOut, **errors(401, 403, 404, 409, 422)},
    operation_id="compute_matches",
    summary="Compute and store a ranking (assigned consultant); the beneficiary sees it once "
    "reviewed",
)
def compute_matches(
    request: HttpRequest, bilan_id: BilanId, limit: int = Query(DEFAULT_LIMIT, ge=1, le=50)
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    if user.pk != bilan.beneficiary_id and not matches.is_assigned_consultant(user, bilan):
        raise PermissionDenied(_t("Le rapprochement est réservé au ou à la consultant·e du bilan."))
    run = matches.compute_run(bilan=bilan, by=user, limit=limit, channel="api")
    return Status(201, run_out(run, limit))


# ---- centres d'intérêt and contexts to avoid ------------------------------------------------


class OptionOut(Schema):
    code: int
    label: str
    group: str = ""


class InterestsOut(Schema):
    bilan_id: int
    saved: bool = Field(description="False until the beneficiary first saves their choice.")
    chosen: list[int] = Field(description="Centre codes chosen (ranked ones included).")
    ranked: list[int] = Field(description=f"The top {MAX_RANKED}, best first.")
    avoided_contexts: list[int] = Field(description="Contexts of work to avoid (code_ogr).")
    rome_version: str
    updated_at: dt.datetime | None
    may_edit: bool
    centres: list[OptionOut] = Field(description="The centres d'intérêt to choose from.")
    contexts: list[OptionOut] = Field(description="The contexts of work, grouped by type.")


Code = Annotated[int, Field(ge=0, le=MAX_INT)]


class InterestsIn(InputSchema):
    chosen: list[Code] = Field(default=[], max_length=500)
    ranked: list[Code] = Field(
        default=[], max_length=500, description=f"At most {MAX_RANKED}, best first; chosen too."
    )
    avoided_contexts: list[Code] = Field(default=[], max_length=5000)


def interests_out(bilan: Bilan, sort: InterestSort | None, user: User) -> dict[str, Any]:
    return {
        "bilan_id": bilan.pk,
        "saved": sort is not None,
        "chosen": list(sort.chosen) if sort else [],
        "ranked": list(sort.ranked) if sort else [],
        "avoided_contexts": list(sort.avoided_contexts) if sort else [],
        "rome_version": sort.rome_version if sort else "",
        "updated_at": sort.updated_at if sort else None,
        "may_edit": interests.may_edit(bilan, user),
        "centres": [{"code": c.code, "label": c.label} for c in interests.centres()],
        "contexts": [
            {"code": c.code_ogr, "label": c.label, "group": group.type_label}
            for group in interests.context_groups()
            for c in group.contexts
        ],
    }


@router.get(
    "/bilans/{bilan_id}/interests",
    response={200: InterestsOut, **errors(401, 403, 404, 422)},
    operation_id="get_interests",
    summary="The beneficiary's centres d'intérêt (chosen, ranked top 5) and contexts to avoid, "
    "with the options to choose from",
)
def get_interests(request: HttpRequest, bilan_id: BilanId) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    sort = interests.read_interest_sort(reader=user, bilan=bilan, channel="api")
    return interests_out(bilan, sort, user)


@router.put(
    "/bilans/{bilan_id}/interests",
    response={200: InterestsOut, **errors(401, 403, 404, 409, 422)},
    operation_id="save_interests",
    summary="Save the whole card sort at once (the beneficiary, while the bilan is in its phases)",
)
def save_interests(request: HttpRequest, bilan_id: BilanId, payload: InterestsIn) -> dict[str, Any]:
    user = acting_user(request)
    bilan = get_bilan_for_user(user, bilan_id)
    sort = interests.save_interest_sort(
        bilan=bilan,
        by=user,
        chosen=payload.chosen,
        ranked=payload.ranked,
        avoided_contexts=payload.avoided_contexts,
    )
    return interests_out(bilan, sort, user)


@router.post(
    "/bilans/{bilan_id}/matches/{run_id}/review",
    response={200: MatchesOut, **errors(401, 403, 404, 409, 422)},
    operation_id="review_matches",
    summary="The consultant has reviewed a stored run: the beneficiary now sees it (assigned "
    "consultant)",
)
def review_matches(
    request: HttpRequest,
    bilan_id: BilanId,
    run_id: BilanId,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=50),
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = matches.get_bilan_for_consultant(user, bilan_id)
    run = matches.review_run(run=matches.get_run(bilan, run_id), by=user)
    return run_out(run, limit)


# ---- pins and exclusions --------------------------------------------------------------------


class DecisionOut(Schema):
    code_rome: str
    label: str
    decision: MatchDecision.Decision
    reason: str
    decided_at: dt.datetime


class RankedOut(MatchesOut):
    decisions: list[DecisionOut] = Field(description="The bilan's pins and exclusions now.")


class DecisionIn(InputSchema):
    code_rome: str = Field(min_length=1, max_length=20)
    decision: MatchDecision.Decision
    reason: str = Field("", max_length=matches.REASON_MAX)


CodeRome = Annotated[str, Path(min_length=1, max_length=20)]


def ranked_out(bilan: Bilan, run: MatchRun, limit: int) -> dict[str, Any]:
    return {
        **run_out(run, limit),
        "decisions": [
            {
                "code_rome": d.code_rome,
                "label": d.metier_label,
                "decision": d.decision,
                "reason": d.reason,
                "decided_at": d.decided_at,
            }
            for d in matches.decisions_of(bilan)
        ],
    }


@router.post(
    "/bilans/{bilan_id}/match-decisions",
    response={201: RankedOut, **errors(401, 403, 404, 409, 422)},
    operation_id="decide_match",
    summary="Pin (always shown) or exclude (never shown) a métier, then a new run ranked with "
    "it, as « Épingler » / « Écarter » (assigned consultant)",
)
def decide_match(
    request: HttpRequest,
    bilan_id: BilanId,
    payload: DecisionIn,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=50),
) -> tuple[int, dict[str, Any]]:
    user = acting_user(request)
    bilan = matches.get_bilan_for_consultant(user, bilan_id)
    _made, run = matches.decide_and_rank(
        bilan=bilan, by=user, **payload.model_dump(), limit=limit, channel="api"
    )
    return Status(201, ranked_out(bilan, run, limit))


@router.delete(
    "/bilans/{bilan_id}/match-decisions/{code_rome}",
    response={200: RankedOut, **errors(401, 403, 404, 409, 422)},
    operation_id="undo_match_decision",
    summary="Undo a pin or an exclusion, then a new run ranked without it (assigned consultant)",
)
def undo_match_decision(
    request: HttpRequest,
    bilan_id: BilanId,
    code_rome: CodeRome,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=50),
) -> dict[str, Any]:
    user = acting_user(request)
    bilan = matches.get_bilan_for_consultant(user, bilan_id)
    run = matches.undo_and_rank(
        bilan=bilan, by=user, code_rome=code_rome, limit=limit, channel="api"
    )
    return ranked_out(bilan, run, limit)
