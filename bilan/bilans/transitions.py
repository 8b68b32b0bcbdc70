"""Who may trigger which lifecycle transition: the one table the pages and the API share."""

from __future__ import annotations

from bilan.bilans.models import Bilan
from bilan.organisations.models import Role

# Phase changes are the assigned consultant's professional acts; administration may stop,
# resume or archive a bilan; the beneficiary co-validates the modalités.
CONSULTANT_TRANSITIONS = frozenset(
    {
        "start_preliminary",
        "open_investigation",
        "open_conclusions",
        "close",
        "start_follow_up",
        "archive",
        "interrupt",
        "abandon",
        "resume",
        "validate_arrangements",
        "record_follow_up_decision",
    }
)
ADMIN_TRANSITIONS = frozenset({"interrupt", "abandon", "resume", "archive"})
BENEFICIARY_TRANSITIONS = frozenset({"validate_arrangements"})
ALL_TRANSITIONS = CONSULTANT_TRANSITIONS


def may_transition(user, bilan: Bilan, name: str) -> bool:  # noqa: ANN001
    membership = getattr(user, "membership", None)
    if user.pk == bilan.beneficiary_id:
        return name in BENEFICIARY_TRANSITIONS
    if membership is None or membership.organisation_id != bilan.organisation_id:
        return False
    if membership.role == Role.CONSULTANT and bilan.consultant_id == user.pk:
        return name in CONSULTANT_TRANSITIONS
    if membership.role == Role.ADMIN:
        return name in ADMIN_TRANSITIONS
    return False


def run_transition(bilan: Bilan, name: str, *, by, **params) -> None:  # noqa: ANN001, ANN003
    """Call the model method for `name` with only the parameters it takes."""
    if name not in ALL_TRANSITIONS:
        raise ValueError(name)
    method = getattr(bilan, name)
    if name == "close":
        method(by=by, completion=params.get("completion") or "full", reason=params.get("reason") or "")
    elif name in ("interrupt", "abandon"):
        method(by=by, reason=params.get("reason") or "")
    elif name == "record_follow_up_decision":
        method(by=by, decision=params.get("decision") or "")
    else:
        method(by=by)
