"""The matching of a bilan, its review by the consultant, and what the beneficiary sees.

- The assigned consultant computes a run (`compute_run`): the profile as used, the top 10
  with reasons, and the ROME version are stored (MatchRun); pins and exclusions
  (`decide`, `undo_decision`) apply to the next runs (a re-rank is a new run).
- Suggestions are an *aide à la réflexion*: the beneficiary sees only the latest run the
  consultant has reviewed (`review_run`, REQ-56, REQ-62), never one before review.
- Only the assigned consultant computes, decides and reviews, while the bilan is in its
  phases; the administration never reads the runs (403, REQ-54); colleagues and other
  organisations do not see the bilan (404, get_bilan_for_user). Every read of a run or of
  the inputs by someone other than the beneficiary is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from bilan.bilans.access import can_read_content, get_bilan_for_user
from bilan.bilans.models import IN_PHASE_STATUSES, Bilan, RuleViolation
from bilan.careers.matching import DEFAULT_LIMIT, Ranking, rank
from bilan.careers.models import MatchDecision, MatchRun, Metier, RomeVersion
from bilan.careers.profile import Inputs, profile_for, referential
from bilan.careers.referential import current_version
from bilan.compliance.audit import record_content_access

MAX_LIMIT = 50
REASON_MAX = 500
LABEL = _("Aide à la réflexion — suggestions à discuter, pas une décision")


# ---- checks ---------------------------------------------------------------------------------


def is_assigned_consultant(user, bilan: Bilan) -> bool:
    return bilan.is_assigned_consultant(user) and can_read_content(user, bilan)


def _require_consultant(user, bilan: Bilan) -> None:
    if not is_assigned_consultant(user, bilan):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan calcule et valide le rapprochement."),
            code="forbidden",
        )


def get_bilan_for_consultant(user, pk: int) -> Bilan:
    """The bilan `pk` for its assigned consultant: 404 if `user` does not see it, 403 if they
    see it without reading its content (the administration)."""
    bilan = get_bilan_for_user(user, pk)
    if not is_assigned_consultant(user, bilan):
        raise PermissionDenied(_t("Le rapprochement est réservé au ou à la consultant·e du bilan."))
    return bilan


def _version() -> RomeVersion:
    version = current_version()
    if version is None:
        raise RuleViolation(
            _t("Le référentiel ROME n'est pas encore importé : le rapprochement est impossible.")
        )
    return version


def _in_phases(bilan: Bilan, action: str) -> None:
    bilan._require_status(*IN_PHASE_STATUSES, action=action)


def _limit(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


# ---- computing ------------------------------------------------------------------------------


@dataclass
class Preview:
    """A computation not stored: the inputs and the ranking."""

    version: RomeVersion
    inputs: Inputs
    ranking: Ranking


def preview(*, bilan: Bilan, by: User, limit: int = DEFAULT_LIMIT, channel: str = "web") -> Preview:
    """Rank the métiers for the bilan now, without storing the run (the inputs' read audited)."""
    _require_consultant(by, bilan)
    version = _version()
    ref = referential(version)
    inputs = profile_for(bilan, ref)
    ranking = rank(ref, inputs.profile, limit=_limit(limit))
    record_content_access(actor=by, bilan=bilan, objects=inputs.objects, channel=channel)
    return Preview(version=version, inputs=inputs, ranking=ranking)


def compute_run(
    *,
    bilan: Bilan,
    by: User,
    limit: int = DEFAULT_LIMIT,
    channel: str = "web",
) -> MatchRun:
    """Compute and store a run: the profile as used, the ranking and the ROME version."""
    _require_consultant(by, bilan)
    _in_phases(bilan, _t("calculer le rapprochement"))
    computed = preview(bilan=bilan, by=by, limit=limit, channel=channel)
    ranking = computed.ranking.as_json()
    suggestions = ranking.pop("suggestions")
    return MatchRun.objects.create(
        bilan=bilan,
        rome_version=computed.version.number,
        profile={**computed.inputs.as_json(), "ranking": ranking},
        results=suggestions,
        computed_by=by,
    )


def _metier(code_rome: str) -> Metier:
    code = (code_rome or "").strip().upper()
    metier = Metier.objects.filter(pk=code).first() if len(code) == 5 else None
    if metier is None:
        raise RuleViolation(
            _t("Code ROME inconnu : « %(code)s ».") % {"code": code[:20]}, code="invalid"
        )
    return metier


def decide(
    *,
    bilan: Bilan,
    by: User,
    code_rome: str,
    decision: str,
    reason: str = "",
) -> MatchDecision:
    """Pin (always shown) or exclude (never shown) a métier in the next runs of this bilan."""
    _require_consultant(by, bilan)
    if decision not in MatchDecision.Decision.values:
        raise RuleViolation(_t("Choisissez : épingler ou écarter."), code="invalid")
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise RuleViolation(
            _t("Raison trop longue (%(max)s caractères au plus).") % {"max": REASON_MAX},
            code="invalid",
        )
    metier = _metier(code_rome)
    version = _version()
    with transaction.atomic():
        _in_phases(bilan._locked(), _t("épingler ou écarter un métier"))
        made, _created = MatchDecision.objects.update_or_create(
            bilan=bilan,
            code_rome=metier.code_rome,
            defaults={
                "metier": metier,
                "metier_label": metier.label,
                "rome_version": version.number,
                "decision": decision,
                "reason": reason,
                "decided_by": by,
            },
        )
    return made


def undo_decision(*, bilan: Bilan, by: User, code_rome: str) -> None:
    _require_consultant(by, bilan)
    with transaction.atomic():
        _in_phases(bilan._locked(), _t("annuler une décision"))
        MatchDecision.objects.filter(bilan=bilan, code_rome=(code_rome or "").upper()).delete()


def decide_and_rank(
    *,
    bilan: Bilan,
    by: User,
    code_rome: str,
    decision: str,
    reason: str = "",
    limit: int = DEFAULT_LIMIT,
    channel: str = "web",
) -> tuple[MatchDecision, MatchRun]:
    """« Épingler » / « Écarter »: the decision, then a new run ranked with it; a refused
    ranking keeps no decision."""
    with transaction.atomic():
        made = decide(bilan=bilan, by=by, code_rome=code_rome, decision=decision, reason=reason)
        run = compute_run(bilan=bilan, by=by, limit=limit, channel=channel)
    return made, run


def undo_and_rank(
    *,
    bilan: Bilan,
    by: User,
    code_rome: str,
    limit: int = DEFAULT_LIMIT,
    channel: str = "web",
) -> MatchRun:
    """« Annuler » a pin or an exclusion, then a new run ranked without it."""
    with transaction.atomic():
        undo_decision(bilan=bilan, by=by, code_rome=code_rome)
        return compute_run(bilan=bilan, by=by, limit=limit, channel=channel)


def review_run(*, run: MatchRun, by: User) -> MatchRun:
    """The consultant has reviewed the run and shares it with the beneficiary."""
    bilan = run.bilan
    _require_consultant(by, bilan)
    with transaction.atomic():
        _in_phases(bilan._locked(), _t("valider le rapprochement"))
        locked = MatchRun.objects.select_for_update().get(pk=run.pk)
        latest = latest_run(bilan)
        if latest is not None and latest.pk != locked.pk:
            raise RuleViolation(
                _t("Un calcul plus récent existe : validez le dernier rapprochement calculé.")
            )
        if locked.reviewed_at is None:
            locked.reviewed_at, locked.reviewed_by = timezone.now(), by
            locked.save(update_fields=["reviewed_at", "reviewed_by"])
    run.reviewed_at, run.reviewed_by = locked.reviewed_at, locked.reviewed_by
    return run


# ---- reading --------------------------------------------------------------------------------


def latest_run(bilan: Bilan) -> MatchRun | None:
    return MatchRun.objects.filter(bilan=bilan).order_by("-computed_at", "-id").first()


def latest_reviewed_run(bilan: Bilan) -> MatchRun | None:
    return (
        MatchRun.objects.filter(bilan=bilan, reviewed_at__isnull=False)
        .order_by("-computed_at", "-id")
        .first()
    )


def get_run(bilan: Bilan, pk: int) -> MatchRun:
    try:
        return MatchRun.objects.get(bilan=bilan, pk=pk)
    except (MatchRun.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def decisions_of(bilan: Bilan) -> list[MatchDecision]:
    return list(MatchDecision.objects.filter(bilan=bilan).order_by("decision", "code_rome"))


def read_run(*, reader, run: MatchRun | None, channel: str = "web") -> MatchRun | None:
    if run is not None:
        record_content_access(actor=reader, bilan=run.bilan, objects=[run], channel=channel)
    return run


def read_for_consultant(
    *,
    reader,
    bilan: Bilan,
    channel: str = "web",
) -> tuple[MatchRun | None, list[MatchDecision]]:
    """The latest run and the decisions, for the assigned consultant (audited)."""
    _require_consultant(reader, bilan)
    run = read_run(reader=reader, run=latest_run(bilan), channel=channel)
    decisions = decisions_of(bilan)
    record_content_access(actor=reader, bilan=bilan, objects=decisions, channel=channel)
    return run, decisions


def suggestions_for(*, reader, bilan: Bilan, channel: str = "web") -> MatchRun | None:
    """What the beneficiary sees: the latest reviewed run, or None before any review."""
    if not can_read_content(reader, bilan):
        raise PermissionDenied
    return read_run(reader=reader, run=latest_reviewed_run(bilan), channel=channel)


def summary(run: MatchRun) -> dict:
    """The stored ranking's notes and inputs, for the pages and the API."""
    ranking = (run.profile or {}).get("ranking", {})
    return {
        "enough": ranking.get("enough", bool(run.results)),
        "used": ranking.get("used", []),
        "missing": ranking.get("missing", []),
        "notes": ranking.get("notes", []),
        "weights": ranking.get("weights", {}),
    }
