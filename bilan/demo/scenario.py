"""Walk a bilan through its lifecycle with the real rule owners (demo data and tests).

Entretiens are dated in the past so they can be marked held; nothing here bypasses a rule:
closing goes through `bilan.followup.closing`, with the synthèse and the plan d'action made as
the real flow makes them. It uses every feature, so it lives in the demo app, above them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.utils import timezone

from bilan.accounts.models import User
from bilan.bilans.models import (
    Bilan,
    Completion,
    ConsentMethod,
    FollowUpDecision,
    Phase,
    Status,
)
from bilan.documents import synthese
from bilan.documents.models import SECTIONS
from bilan.entretiens.attendance import sign_attendance
from bilan.entretiens.models import Entretien, Overlap, SignatureMethod
from bilan.followup import actionplan, closing, suivi
from bilan.followup.models import Action

ORDER: list[str] = [
    Status.ENQUIRY,
    Status.PRELIMINARY,
    Status.INVESTIGATION,
    Status.CONCLUSIONS,
    Status.CLOSED,
    Status.FOLLOW_UP,
    Status.ARCHIVED,
]


# The times of day the demo books at: a consultant's bilans walked on the same days take the
# next free one (then the day before, or after for a future one), since nobody has two
# entretiens at once.
SLOTS = [(9, 30), (11, 45), (14, 0), (16, 15), (7, 15), (18, 30)]


def book_free(bilan: Bilan, day: dt.date, by: User | None = None, **fields: Any) -> Entretien:
    """Schedule on `day`, or near it, at the first time that overlaps nothing of either person."""
    by = by or bilan.consultant
    step = -1 if day <= timezone.localdate() else 1
    refused: Overlap | None = None
    for shift in range(4):
        for hour, minute in SLOTS:
            start = timezone.make_aware(
                dt.datetime.combine(day + dt.timedelta(days=step * shift), dt.time(hour, minute))
            )
            try:
                return Entretien.schedule(bilan=bilan, by=by, starts_at=start, **fields)
            except Overlap as overlap:
                refused = overlap
    assert refused is not None
    raise refused


def hold(bilan: Bilan, phase: str, *, minutes: int, days_ago: int, title: str = "") -> Entretien:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    entretien = book_free(bilan, day, phase=phase, planned_minutes=minutes, title=title)
    entretien.mark_held(by=bilan.consultant)
    sign_both(entretien, at=entretien.ends_at)
    return entretien


def sign_both(entretien: Entretien, *, at: dt.datetime | None = None) -> None:
    """Both parties sign the attendance of a held entretien, each for themself (typed name),
    at `at` (the demo records a past session as signed on the day)."""
    bilan = entretien.bilan
    for signer in (bilan.consultant, bilan.beneficiary):
        sign_attendance(
            entretien=entretien,
            signer=signer,
            method=SignatureMethod.TYPED,
            typed_name=signer.get_full_name() or signer.email,
            confirmed=True,
            user_agent="demo",
            at=at,
        )


def advance_to(bilan: Bilan, target: str, *, beneficiary_validates: bool = True) -> Bilan:
    """Move `bilan` forward to `target` (a status of ORDER), doing what each step requires."""
    consultant, beneficiary = bilan.consultant, bilan.beneficiary
    consultant.membership = consultant.memberships.get(organisation=bilan.organisation)
    stop = ORDER.index(target)
    if stop >= 1 and bilan.status == Status.ENQUIRY:
        if bilan.active_consent() is None:
            bilan.record_consent(
                by=beneficiary,
                method=ConsentMethod.ONLINE,
            )
        bilan.plan_hours(by=consultant, accompaniment_minutes=19 * 60, personal_minutes=5 * 60)
        bilan.start_preliminary(by=consultant)
        hold(bilan, Phase.PRELIMINARY, minutes=90, days_ago=60, title="Entretien d'accueil")
        hold(bilan, Phase.PRELIMINARY, minutes=120, days_ago=53, title="Analyse de la demande")
        bilan.record_preliminary_outputs(
            by=consultant,
            needs_analysis="Souhaite évoluer vers un métier plus proche du public ; "
            "besoin de vérifier la faisabilité d'une reconversion.",
            format=bilan.format,
            rhythm="Un entretien toutes les deux semaines",
            agreed_arrangements="Entretiens de 2 h le mardi matin ; travail personnel "
            "entre les séances ; tests d'intérêts et de personnalité.",
        )
        if beneficiary_validates:
            bilan.validate_arrangements(by=beneficiary)
        bilan.validate_arrangements(by=consultant)
    if stop >= 2 and bilan.status == Status.PRELIMINARY:
        bilan.open_investigation(by=consultant)
        for i, title in enumerate(
            [
                "Analyse du parcours",
                "Compétences et aptitudes",
                "Motivations et valeurs",
                "Pistes professionnelles",
                "Validation du projet",
            ]
        ):
            hold(bilan, Phase.INVESTIGATION, minutes=120, days_ago=46 - 7 * i, title=title)
    if stop >= 3 and bilan.status == Status.INVESTIGATION:
        bilan.open_conclusions(by=consultant)
        hold(bilan, Phase.CONCLUSIONS, minutes=120, days_ago=8, title="Plan d'action")
        hold(bilan, Phase.CONCLUSIONS, minutes=120, days_ago=2, title="Synthèse et clôture")
        bilan.record_follow_up_decision(by=consultant, decision=FollowUpDecision.ACCEPTED)
    if stop >= 4 and bilan.status == Status.CONCLUSIONS:
        conclude_and_close(bilan)
    if stop >= 5 and bilan.status == Status.CLOSED:
        bilan.start_follow_up(by=consultant)
    if stop >= 6 and bilan.status == Status.FOLLOW_UP:
        bilan.archive(by=consultant)
    return bilan


def conclude(bilan: Bilan) -> Bilan:
    """In conclusions: one action in the plan d'action, and the synthèse written, validated by
    the beneficiary and handed over — what closing asks for beyond the entretiens, the hours
    and the suivi decision. Each part is done only when missing (a test may have done it)."""
    consultant, beneficiary = bilan.consultant, bilan.beneficiary
    consultant.membership = consultant.memberships.get(organisation=bilan.organisation)
    beneficiary.membership = beneficiary.memberships.get(organisation=bilan.organisation)
    if not Action.objects.filter(plan__bilan=bilan, is_plan_b=False).exists():
        actionplan.create_action(
            bilan=bilan,
            by=consultant,
            what="Se renseigner sur la formation visée",
            first_step="Appeler l'organisme de formation",
        )
    if synthese.synthese_of(bilan) is not None:
        return bilan
    document = synthese.start_synthese(bilan=bilan, by=consultant, prefilled=False)
    synthese.save_synthese(
        synthese=document,
        by=consultant,
        sections={key: f"<p>Section {key}.</p>" for key in SECTIONS},
    )
    synthese.submit_for_observations(synthese=document, by=consultant)
    synthese.validate_synthese(synthese=document, by=beneficiary, confirm=True)
    synthese.record_handover(
        synthese=document,
        by=consultant,
        handed_on=timezone.localdate(),
        channel="in_person",
        acknowledged=True,
    )
    return bilan


def conclude_and_close(bilan: Bilan, completion: str = Completion.FULL, reason: str = "") -> Bilan:
    """Close through closing's one owner, as the page and the API do: the synthèse and the
    plan d'action first (`conclude`), then the checklist, the close and the accepted suivi's
    booking (`followup.closing.close_bilan`). Refused like them while anything is missing."""
    conclude(bilan)
    slot = suivi.default_slot(bilan)
    for hours in range(0, 8, 2):  # the consultant's other suivis may hold the default time
        try:
            return closing.close_bilan(
                bilan=bilan,
                by=bilan.consultant,
                completion=completion,
                reason=reason,
                suivi_slot=replace(slot, starts_at=slot.starts_at + dt.timedelta(hours=hours)),
            )
        except Overlap:
            continue
    return closing.close_bilan(
        bilan=bilan, by=bilan.consultant, completion=completion, reason=reason
    )
