"""Who may do which act on a bilan: the one table the model methods check.

Pages and the API ask `may_transition` to show or refuse early; the model methods check
the same table again (`Bilan._authorise`), so no caller can skip it.
"""

from __future__ import annotations

from bilan.accounts.models import User
from bilan.bilans import closing
from bilan.bilans.models import Bilan
from bilan.organisations.models import Role

# The lifecycle transitions reachable through `run_transition` (pages' buttons, API advance).
ALL_TRANSITIONS = frozenset(
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
# Phase changes, the bilan's content and its programme of hours are the assigned consultant's
# professional acts: the programme is part of the personalised programme co-built with the
# beneficiary in the preliminary phase (R6313-4 1°, Qualiopi ind. 4). Administration may stop,
# resume, archive, correct the administrative record and reassign; the beneficiary co-validates
# the modalités.
CONSULTANT_ACTS = ALL_TRANSITIONS | {
    "record_preliminary_outputs",
    "plan_hours",
    "record_personal_work",
    "update_administration",
    "write_entretien_notes",
    "schedule_entretien",
    "reschedule_entretien",
    "cancel_entretien",
    "assign_work",
}
ADMIN_ACTS = frozenset(
    {
        "interrupt",
        "abandon",
        "resume",
        "archive",
        "assign_consultant",
        "update_administration",
    }
)
BENEFICIARY_ACTS = frozenset({"validate_arrangements", "withdraw_consent", "complete_assignment"})


def may_transition(user: User, bilan: Bilan, name: str) -> bool:
    membership = getattr(user, "membership", None)
    if user.pk == bilan.beneficiary_id:
        return name in BENEFICIARY_ACTS
    if membership is None or membership.organisation_id != bilan.organisation_id:
        return False
    if bilan.is_assigned_consultant(user):
        return name in CONSULTANT_ACTS
    if membership.role == Role.ADMIN:
        return name in ADMIN_ACTS
    return False


def run_transition(bilan: Bilan, name: str, *, by: User, **params: str | None) -> None:
    """Call the model method for `name` with only the parameters it takes."""
    if name not in ALL_TRANSITIONS:
        raise ValueError(name)
    method = getattr(bilan, name)
    if name == "close":
        # Closing checks the conclusions too (synthèse, plan d'action) and books the suivi:
        # the registered owner (followup.closing) does it all, then calls Bilan.close.
        closing.close(
            bilan=bilan,
            by=by,
            completion=params.get("completion") or "full",
            reason=params.get("reason") or "",
        )
    elif name in ("interrupt", "abandon"):
        method(by=by, reason=params.get("reason") or "")
    elif name == "record_follow_up_decision":
        method(by=by, decision=params.get("decision") or "")
    else:
        method(by=by)
