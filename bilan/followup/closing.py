"""Closing the bilan: the checklist, and the one act that closes (terme de l'action).

The one owner of closing: the checklist (an entretien held in each phase, the hours, the
synthèse validated and handed over, the suivi decision, a plan d'action) and the act. The
closing page, the API, the bilan page's « prêt à clore » (through `bilan.bilans.closing`, where
`FollowupConfig.ready` registers us) and the demo scenario all call `checklist`/`missing`/
`close_bilan`. Every item is checked and named in French; then `Bilan.close`, the core's state
change, records the end date, and an accepted suivi is scheduled about six months later in
the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _t

from bilan.bilans.models import (
    Bilan,
    Completion,
    FollowUpDecision,
    Phase,
    RuleViolation,
    Status,
    StopReason,
)
from bilan.bilans.transitions import may_transition
from bilan.entretiens.ledger import hours_ledger
from bilan.followup.actionplan import membership_of
from bilan.followup.models import Action
from bilan.lib.hours import fmt


def synthese_status(bilan: Bilan) -> dict:
    """{"validated", "handed_over", "label"} of the bilan's synthèse (bilan/documents/).

    The adapter the checklist calls (tests monkeypatch it): until bilan.documents exists, there
    is no synthèse, so closing stays refused."""
    try:
        from bilan.documents.synthese import closing_status
    except ImportError:
        return {
            "validated": False,
            "handed_over": False,
            "label": _t("aucun document de synthèse"),
        }
    return closing_status(bilan)


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # what is checked
    ok: bool
    missing: str  # what is missing, in the refusal's words (empty when ok)
    detail: str = ""


def checklist(bilan: Bilan, completion: str = Completion.FULL) -> list[Item]:
    """Each closing condition, ok or missing, in order."""
    items: list[Item] = []
    held = set(bilan.entretiens.filter(status="held").values_list("phase", flat=True).distinct())
    for phase in (Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSIONS):
        items.append(
            Item(
                key=f"phase_{phase}",
                label=_t("Au moins un entretien tenu en %(phase)s") % {"phase": phase.label},
                ok=phase in held,
                missing=_t("un entretien tenu en %(phase)s") % {"phase": phase.label},
            )
        )
    ledger = hours_ledger(bilan)  # delivered = signed attendance only
    budget = ledger.budget
    low = completion == Completion.FULL and not ledger.reaches_minimum
    high = budget.held_total > budget.max_total
    detail = _t("%(done)s réalisées") % {"done": fmt(ledger.delivered_accompaniment)}
    items.append(
        Item(
            key="hours",
            label=_t("Heures réalisées entre %(min)s et %(max)s")
            % {"min": fmt(budget.min_accompaniment), "max": fmt(budget.max_total)},
            ok=not (low or high),
            missing=(
                _t(
                    "%(min)s d'accompagnement réalisé au minimum pour un bilan réalisé en "
                    "totalité (%(done)s réalisées)"
                )
                % {
                    "min": fmt(ledger.min_accompaniment),
                    "done": fmt(ledger.delivered_accompaniment),
                }
                if low
                else _t("une durée réalisée d'au plus %(max)s (%(done)s réalisées)")
                % {"max": fmt(budget.max_total), "done": fmt(budget.held_total)}
            ),
            detail=detail,
        )
    )
    synthese = synthese_status(bilan)
    items.append(
        Item(
            key="synthese_validated",
            label=_t(
                "Document de synthèse validé par le ou la bénéficiaire (ou refusé avec ses "
                "observations)"
            ),
            ok=bool(synthese.get("validated")),
            missing=_t("le document de synthèse validé par le ou la bénéficiaire"),
            detail=str(synthese.get("label", "")),
        )
    )
    items.append(
        Item(
            key="synthese_handed_over",
            label=_t("Document de synthèse remis"),
            ok=bool(synthese.get("handed_over")),
            missing=_t("la remise du document de synthèse"),
            detail=str(synthese.get("label", "")),
        )
    )
    items.append(
        Item(
            key="follow_up_decision",
            label=_t("Décision sur l'entretien de suivi"),
            ok=bool(bilan.follow_up_decision),
            missing=_t("la décision sur l'entretien de suivi (proposé, accepté ou refusé)"),
            detail=str(bilan.get_follow_up_decision_display() or ""),
        )
    )
    actions = Action.objects.filter(plan__bilan=bilan, is_plan_b=False).count()
    items.append(
        Item(
            key="action_plan",
            label=_t("Plan d'action (au moins une action)"),
            ok=actions > 0,
            missing=_t("un plan d'action avec au moins une action"),
            detail=_t("%(n)s action(s)") % {"n": actions},
        )
    )
    return [i if not i.ok else Item(i.key, i.label, True, "", i.detail) for i in items]


def missing(bilan: Bilan, completion: str = Completion.FULL) -> list[str]:
    return [i.missing for i in checklist(bilan, completion) if not i.ok]


def refusal(items: list[str]) -> RuleViolation:
    error = RuleViolation(
        _t("Impossible de clore le bilan, il manque : %(missing)s.")
        % {"missing": " ; ".join(items)}
    )
    error.missing = items  # the API lists them one by one
    return error


def close_bilan(
    *,
    bilan: Bilan,
    by,  # noqa: ANN001
    completion: str = Completion.FULL,
    reason: str = "",
    suivi_slot=None,  # noqa: ANN001 - a suivi.SuiviSlot, or None for the default one
) -> Bilan:
    """Close the bilan if nothing is missing; schedule the accepted suivi.

    Refused (RuleViolation naming every missing item) while anything is missing. The whole
    is one transaction: a suivi that cannot be booked leaves the bilan open."""
    from bilan.followup import suivi

    membership_of(by)  # may_transition reads it
    if not may_transition(by, bilan, "close"):
        raise RuleViolation(
            _t("Seul·e le ou la consultant·e du bilan peut le clore."), code="forbidden"
        )
    if completion not in Completion.values:
        raise RuleViolation(
            _t("Indiquez si le bilan est réalisé en totalité ou partiellement."), code="invalid"
        )
    if completion == Completion.PARTIAL and reason not in StopReason.values:
        raise RuleViolation(_t("Une réalisation partielle demande un motif."), code="invalid")
    bilan.refresh_from_db()
    if bilan.status != Status.CONCLUSIONS:
        bilan._require_status(Status.CONCLUSIONS, action=_t("clore le bilan"))
    items = missing(bilan, completion)
    if items:
        raise refusal(items)
    accepted = bilan.follow_up_decision == FollowUpDecision.ACCEPTED
    if accepted:
        slot = suivi_slot or suivi.default_slot(bilan)
        suivi.check_slot(slot)
    with transaction.atomic():
        bilan.close(by=by, completion=completion, reason=reason)
        if accepted:
            suivi.schedule_suivi(bilan=bilan, by=by, slot=slot)
    bilan.refresh_from_db()
    return bilan
