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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

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
from bilan.entretiens.ledger import HoursLedger, hours_ledger
from bilan.entretiens.models import CancelReason, EntretienStatus
from bilan.followup import suivi
from bilan.followup.actionplan import membership_of
from bilan.followup.models import Action
from bilan.lib.hours import fmt

# The synthèse lives in bilan.documents, a feature above followup: documents registers its
# closing status here when the app is ready (`DocumentsConfig.ready`).
_synthese_status: Callable[[Bilan], dict] | None = None


def register_synthese_status(status: Callable[[Bilan], dict]) -> None:
    global _synthese_status
    _synthese_status = status


def synthese_status(bilan: Bilan) -> dict:
    """{"validated", "handed_over", "label"} of the bilan's synthèse (bilan/documents/).

    The adapter the checklist calls (tests monkeypatch it): without bilan.documents, there is
    no synthèse, so closing stays refused."""
    if _synthese_status is None:
        return {
            "validated": False,
            "handed_over": False,
            "label": _t("aucun document de synthèse"),
        }
    return _synthese_status(bilan)


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # what is checked
    ok: bool
    missing: str  # what is missing, in the refusal's words (empty when ok)
    detail: str = ""


# The three partial-completion reasons the CDC asks for at « service fait » (REQ-20), from the
# bilan's stop reason categories.
ABANDON, INTERRUPTION, FORCE_MAJEURE = "abandon", "interruption", "force_majeure"
EDOF_REASON_LABELS = {
    ABANDON: _("abandon ou absence du ou de la bénéficiaire"),
    INTERRUPTION: _("interruption du fait de l'organisme"),
    FORCE_MAJEURE: _("force majeure"),
}
EDOF_REASON = {
    StopReason.BENEFICIARY_CHOICE: ABANDON,
    StopReason.ABSENCE: ABANDON,
    StopReason.CONSENT_WITHDRAWN: ABANDON,
    StopReason.EMPLOYMENT: ABANDON,
    StopReason.OTHER: ABANDON,
    StopReason.PROVIDER: INTERRUPTION,
    StopReason.FORCE_MAJEURE: FORCE_MAJEURE,
    StopReason.HEALTH: FORCE_MAJEURE,
}


@dataclass(frozen=True)
class Realisation:
    """What closing declares (service fait, REQ-20): full or partial, and the figures."""

    ledger: HoursLedger
    full_possible: bool  # every held entretien signed and the minimum of signed hours reached
    suggested_reason: str  # a StopReason, pre-filled from the attendance record ("" if none)
    price: Decimal | None  # the bilan's price, when it has one (a CPF file's)
    cdc_amount: Decimal | None  # price × completion rate

    @property
    def completion_rate(self) -> Decimal:
        return self.ledger.completion_rate


def suggested_reason(bilan: Bilan) -> str:
    """The partial-completion reason the attendance record suggests: entretiens missed or
    cancelled for force majeure or health say force majeure; missed ones, absence."""
    reasons = set(
        bilan.entretiens.filter(status__in=[EntretienStatus.MISSED, EntretienStatus.CANCELLED])
        .exclude(cancel_reason="")
        .values_list("cancel_reason", flat=True)
    )
    if reasons & {CancelReason.FORCE_MAJEURE, CancelReason.HEALTH}:
        return StopReason.FORCE_MAJEURE
    if reasons & {CancelReason.NO_SHOW, CancelReason.BENEFICIARY}:
        return StopReason.ABSENCE
    if CancelReason.CONSULTANT in reasons:
        return StopReason.PROVIDER
    return ""


def price_of(bilan: Bilan) -> Decimal | None:
    """The bilan's price if the model carries one (funding adds it); none today."""
    value = getattr(bilan, "price", None)
    return Decimal(value) if value is not None else None


def realisation(bilan: Bilan, ledger: HoursLedger | None = None) -> Realisation:
    ledger = ledger or hours_ledger(bilan)
    price = price_of(bilan)
    return Realisation(
        ledger=ledger,
        full_possible=ledger.all_proven and ledger.reaches_minimum,
        suggested_reason=suggested_reason(bilan),
        price=price,
        cdc_amount=ledger.cdc_amount(price),
    )


def unsigned_detail(ledger: HoursLedger) -> str:
    days = ", ".join(f"{timezone.localtime(u.starts_at):%d/%m/%Y}" for u in ledger.unproven)
    return _t("%(n)s entretien(s) tenu(s) sans émargement complet : %(days)s") % {
        "n": len(ledger.unproven),
        "days": days,
    }


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
    full = completion == Completion.FULL
    items.append(
        Item(
            key="attendance_signed",
            label=_t("Chaque entretien tenu émargé par les deux parties (réalisé en totalité)"),
            ok=ledger.all_proven or not full,
            missing=_t("l'émargement des deux parties pour chaque entretien tenu (%(d)s)")
            % {"d": unsigned_detail(ledger)},
            detail=unsigned_detail(ledger) if ledger.unproven else _t("tous émargés"),
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
    by: User,
    completion: str = Completion.FULL,
    reason: str = "",
    suivi_slot=None,
) -> Bilan:
    """Close the bilan if nothing is missing; schedule the accepted suivi.

    Refused (RuleViolation naming every missing item) while anything is missing. The whole
    is one transaction: a suivi that cannot be booked leaves the bilan open."""

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
