"""Hours: the 24 h ceiling (L6313-4, REQ-4), the 13 h minimum (R6313-4 2026, REQ-5), dated rules."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from bilan.bilans.models import (
    Bilan,
    Completion,
    ConsentMethod,
    FollowUpDecision,
    Format,
    Phase,
    RuleViolation,
    Status,
    StopReason,
)
from bilan.demo.scenario import advance_to, conclude_and_close, hold, sign_both
from bilan.entretiens.models import Entretien, EntretienStatus
from bilan.lib.hours import Budget, fmt
from bilan.organisations.models import HoursRule, Organisation

CEILING = "(art. L6313-4 du Code du travail)."


SLOTS = itertools.count()


def book(
    bilan: Bilan,
    minutes: int,
    *,
    phase: str = Phase.PRELIMINARY,
    days: int = 7,
    hours: int | None = None,
) -> Entretien:
    """Schedule an entretien `days` (and `hours`) from now (negative: in the past, so it can be
    held). Future ones each get their own day: a person's entretiens never overlap."""
    if hours is None:
        hours = 24 * next(SLOTS) if days > 0 else 0
    return Entretien.schedule(
        bilan=bilan,
        by=bilan.consultant,
        phase=phase,
        starts_at=timezone.now() + dt.timedelta(days=days, hours=hours),
        planned_minutes=minutes,
    )


def held(entretien: Entretien, **kwargs: Any) -> Entretien:
    """Mark held and have both parties sign on the day: delivered hours (the ledger)."""
    entretien.mark_held(by=entretien.bilan.consultant, **kwargs)
    sign_both(entretien, at=entretien.starts_at + dt.timedelta(minutes=entretien.held_minutes))
    return entretien


def plan(bilan: Bilan, accompaniment: int, personal: int) -> None:
    bilan.plan_hours(
        by=bilan.consultant, accompaniment_minutes=accompaniment, personal_minutes=personal
    )


def open_on(bilan: Bilan, day: dt.date) -> None:
    Bilan.objects.filter(pk=bilan.pk).update(opened_on=day)
    bilan.refresh_from_db()


def own_rule(org: Organisation, day: dt.date, **values: Any) -> HoursRule:
    values = {"max_total_minutes": 24 * 60, "min_accompaniment_minutes": 13 * 60, **values}
    return HoursRule.objects.create(organisation=org, effective_from=day, **values)


def walk_to_conclusions(c: SimpleNamespace, minutes: tuple[int, int, int]) -> None:
    """Take the cast's bilan to its conclusions, holding the given minutes in each phase."""
    bilan = c.bilan
    bilan.record_consent(
        by=c.beneficiary,
        method=ConsentMethod.ONLINE,
    )
    bilan.start_preliminary(by=c.consultant)
    hold(bilan, Phase.PRELIMINARY, minutes=minutes[0], days_ago=30)
    bilan.record_preliminary_outputs(
        by=c.consultant,
        needs_analysis="Reconversion.",
        format=Format.REMOTE,
        rhythm="Hebdomadaire",
        agreed_arrangements="Visio le jeudi.",
    )
    bilan.validate_arrangements(by=c.beneficiary)
    bilan.validate_arrangements(by=c.consultant)
    bilan.open_investigation(by=c.consultant)
    hold(bilan, Phase.INVESTIGATION, minutes=minutes[1], days_ago=20)
    bilan.open_conclusions(by=c.consultant)
    hold(bilan, Phase.CONCLUSIONS, minutes=minutes[2], days_ago=10)
    bilan.record_follow_up_decision(by=c.consultant, decision=FollowUpDecision.PROPOSED)


# ---- the 24 h ceiling ---------------------------------------------------------------------------


def test_a_programme_of_exactly_24_hours_is_accepted(cast: SimpleNamespace) -> None:
    plan(cast.bilan, 19 * 60, 5 * 60)
    assert cast.bilan.budget().planned_total == 24 * 60


def test_a_programme_over_24_hours_is_refused_and_nothing_is_saved(cast: SimpleNamespace) -> None:
    plan(cast.bilan, 19 * 60, 5 * 60)

    with pytest.raises(RuleViolation) as refused:
        plan(cast.bilan, 20 * 60, 330)

    assert refused.value.messages == [
        f"Programme refusé : durée planifiée 25 h 30 > 24 h maximum {CEILING}"
    ]
    cast.bilan.refresh_from_db()
    assert cast.bilan.planned_accompaniment_minutes == 19 * 60
    assert cast.bilan.planned_personal_minutes == 5 * 60


def test_a_negative_duration_is_refused(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="négative"):
        plan(cast.bilan, -60, 0)


def test_scheduling_an_entretien_past_24_hours_is_refused_with_the_figures(
    cast: SimpleNamespace,
) -> None:
    plan(cast.bilan, 19 * 60, 5 * 60)
    for _ in range(9):
        book(cast.bilan, 120)
    book(cast.bilan, 60)  # 19 h scheduled + 5 h personal work: the ceiling, exactly

    with pytest.raises(RuleViolation) as refused:
        book(cast.bilan, 30)

    assert refused.value.messages == [
        f"Entretien refusé : durée planifiée 24 h 30 > 24 h maximum {CEILING}"
    ]
    assert cast.bilan.entretiens.count() == 10


def test_cancelled_entretiens_free_their_hours(cast: SimpleNamespace) -> None:
    plan(cast.bilan, 0, 0)
    entretiens = [book(cast.bilan, 240) for _ in range(6)]
    entretiens[0].cancel(by=cast.consultant)
    book(cast.bilan, 240)
    assert cast.bilan.budget().scheduled_accompaniment == 24 * 60


def test_personal_work_counts_in_the_ceiling_by_default(cast: SimpleNamespace) -> None:
    with pytest.raises(RuleViolation, match="durée planifiée 30 h > 24 h maximum"):
        cast.bilan.plan_hours(
            by=cast.consultant, accompaniment_minutes=20 * 60, personal_minutes=10 * 60
        )


def test_an_organisation_rule_may_leave_personal_work_out_of_the_ceiling(
    cast: SimpleNamespace,
) -> None:
    own_rule(cast.org, dt.date(2026, 3, 2), count_personal_work=False)

    plan(cast.bilan, 19 * 60, 10 * 60)
    for _ in range(12):
        book(cast.bilan, 120)  # 24 h of entretiens; the 10 h of personal work do not count

    assert cast.bilan.budget().planned_total == 24 * 60
    with pytest.raises(RuleViolation, match="Entretien refusé : durée planifiée 24 h 30 > 24 h"):
        book(cast.bilan, 30)


def test_the_same_entretien_is_refused_or_accepted_depending_on_the_personal_work_rule(
    cast: SimpleNamespace,
) -> None:
    for bilan in (cast.bilan, cast.outsider_bilan):
        plan(bilan, 19 * 60, 5 * 60)
        book(bilan, 19 * 60)
    own_rule(cast.org, dt.date(2026, 3, 2), count_personal_work=False)

    book(cast.bilan, 30)  # the organisation does not count personal work
    with pytest.raises(RuleViolation, match="24 h 30 > 24 h maximum"):
        book(cast.outsider_bilan, 30)  # the other one follows the general rule


def test_marking_an_entretien_held_past_the_ceiling_is_refused(cast: SimpleNamespace) -> None:
    for i in range(11):
        held(book(cast.bilan, 120, days=-3, hours=3 * i))
    last = book(cast.bilan, 120, days=-1)

    with pytest.raises(RuleViolation) as refused:  # within the 15 min tolerance, over 24 h
        last.mark_held(by=cast.consultant, held_minutes=135)

    assert refused.value.messages == [f"Durée réalisée 24 h 15 > 24 h maximum {CEILING}"]
    last.refresh_from_db()
    assert last.status == EntretienStatus.PLANNED
    assert cast.bilan.budget().delivered_accompaniment == 22 * 60


def test_an_entretien_cannot_be_held_before_it_starts(cast: SimpleNamespace) -> None:
    entretien = book(cast.bilan, 60, days=1)
    with pytest.raises(RuleViolation, match="avant son heure de début"):
        entretien.mark_held(by=cast.consultant)


def test_follow_up_entretiens_do_not_count_in_the_24_hours(cast: SimpleNamespace) -> None:
    advance_to(cast.bilan, Status.CLOSED)
    before = cast.bilan.budget()
    assert before.planned_total == 24 * 60  # the scenario's programme fills the ceiling

    book(cast.bilan, 120, phase=Phase.FOLLOW_UP, days=-1).mark_held(by=cast.consultant)
    book(cast.bilan, 120, phase=Phase.FOLLOW_UP, days=180)

    assert cast.bilan.budget() == before
    annotated = Bilan.objects.with_hours().get(pk=cast.bilan.pk)
    assert hasattr(annotated, "scheduled_minutes") and hasattr(annotated, "held_minutes")
    assert annotated.scheduled_minutes == before.scheduled_accompaniment
    assert annotated.held_minutes == before.delivered_accompaniment


# ---- phases: no entretien in a phase not reached or already closed (REQ-3 d) ------------------


OUT_OF_PHASE = [
    (
        Status.ENQUIRY,
        Phase.INVESTIGATION,
        "de phase d'investigation : le bilan est en phase préliminaire",
    ),
    (
        Status.PRELIMINARY,
        Phase.CONCLUSIONS,
        "de phase de conclusions : le bilan est en phase préliminaire",
    ),
    (
        Status.INVESTIGATION,
        Phase.PRELIMINARY,
        "de phase préliminaire : le bilan est en phase d'investigation",
    ),
    (
        Status.CONCLUSIONS,
        Phase.INVESTIGATION,
        "de phase d'investigation : le bilan est en phase de conclusions",
    ),
    (Status.CONCLUSIONS, Phase.FOLLOW_UP, "de suivi : le bilan est en phase de conclusions"),
    (Status.CLOSED, Phase.CONCLUSIONS, "de phase de conclusions : le bilan est en suivi"),
    (
        Status.ARCHIVED,
        Phase.FOLLOW_UP,
        "Impossible de planifier un entretien : le bilan est à l'étape « archivé »",
    ),
]


@pytest.mark.parametrize("status,phase,reason", OUT_OF_PHASE)
def test_an_entretien_of_a_phase_not_reached_or_closed_is_refused(
    cast: SimpleNamespace, status: str, phase: str, reason: str
) -> None:
    advance_to(cast.bilan, status)
    count = Entretien.objects.count()
    with pytest.raises(RuleViolation) as refused:
        book(cast.bilan, 60, phase=phase)
    assert reason in refused.value.messages[0]
    assert Entretien.objects.count() == count


@pytest.mark.parametrize("stop", ["interrupt", "abandon"])
def test_no_entretien_is_scheduled_on_a_stopped_bilan(cast: SimpleNamespace, stop: str) -> None:
    getattr(cast.bilan, stop)(by=cast.consultant, reason=StopReason.HEALTH)
    with pytest.raises(RuleViolation, match="Impossible de planifier un entretien : le bilan est"):
        book(cast.bilan, 60)


# ---- the 13 h minimum of accompagnement effectif ----------------------------------------------


def test_the_rule_in_force_depends_on_the_opening_date(cast: SimpleNamespace) -> None:
    open_on(cast.bilan, dt.date(2025, 6, 1))
    assert cast.bilan.rule().min_accompaniment_minutes == 0
    open_on(cast.bilan, dt.date(2026, 3, 1))
    assert cast.bilan.rule().min_accompaniment_minutes == 13 * 60
    assert cast.bilan.rule().max_total_minutes == 24 * 60


def test_a_bilan_opened_after_march_2026_cannot_close_in_full_under_13_hours(
    cast: SimpleNamespace,
) -> None:
    assert cast.bilan.opened_on >= dt.date(2026, 3, 1)
    walk_to_conclusions(cast, (120, 240, 120))

    with pytest.raises(RuleViolation) as refused:
        conclude_and_close(cast.bilan, completion=Completion.FULL)

    assert (
        "13 h d'accompagnement réalisé au minimum pour un bilan réalisé en totalité "
        "(8 h réalisées)" in refused.value.messages[0]
    )
    cast.bilan.refresh_from_db()
    assert cast.bilan.status == Status.CONCLUSIONS


def test_a_bilan_under_13_hours_closes_as_partial_with_a_reason(cast: SimpleNamespace) -> None:
    walk_to_conclusions(cast, (120, 240, 120))

    with pytest.raises(RuleViolation, match="réalisation partielle demande un motif"):
        conclude_and_close(cast.bilan, completion=Completion.PARTIAL)
    conclude_and_close(cast.bilan, completion=Completion.PARTIAL, reason=StopReason.ABSENCE)

    assert cast.bilan.status == Status.CLOSED
    assert cast.bilan.completion == Completion.PARTIAL
    assert cast.bilan.stop_reason == StopReason.ABSENCE
    assert cast.bilan.status_changes.last().reason == StopReason.ABSENCE


def test_13_hours_exactly_is_enough_to_close_in_full(cast: SimpleNamespace) -> None:
    walk_to_conclusions(cast, (180, 420, 180))
    conclude_and_close(cast.bilan, completion=Completion.FULL)
    assert cast.bilan.completion == Completion.FULL
    assert cast.bilan.stop_reason == ""


def test_a_bilan_opened_in_june_2025_closes_in_full_with_less_than_13_hours(
    cast: SimpleNamespace,
) -> None:
    open_on(cast.bilan, dt.date(2025, 6, 1))
    walk_to_conclusions(cast, (120, 240, 120))
    conclude_and_close(cast.bilan, completion=Completion.FULL)
    assert cast.bilan.status == Status.CLOSED
    assert cast.bilan.completion == Completion.FULL


def test_an_organisation_rule_overrides_the_general_one_from_its_effective_date(
    cast: SimpleNamespace,
) -> None:
    rule = own_rule(cast.org, dt.date(2026, 6, 1), min_accompaniment_minutes=15 * 60)

    open_on(cast.bilan, dt.date(2026, 5, 31))
    assert cast.bilan.rule().organisation_id is None
    assert cast.bilan.rule().min_accompaniment_minutes == 13 * 60
    open_on(cast.bilan, dt.date(2026, 6, 1))
    assert cast.bilan.rule() == rule
    assert cast.outsider_bilan.rule().organisation_id is None


def test_an_organisation_minimum_is_the_one_a_full_close_must_reach(cast: SimpleNamespace) -> None:
    own_rule(cast.org, dt.date(2026, 6, 1), min_accompaniment_minutes=15 * 60)
    walk_to_conclusions(cast, (180, 480, 180))  # 14 h: enough in law, not for this organisation

    with pytest.raises(RuleViolation) as refused:
        conclude_and_close(cast.bilan)

    assert "15 h d'accompagnement réalisé au minimum" in refused.value.messages[0]
    assert "(14 h réalisées)" in refused.value.messages[0]


# ---- the budget ---------------------------------------------------------------------------------


def test_the_budget_shows_planned_and_delivered_percentages(cast: SimpleNamespace) -> None:
    plan(cast.bilan, 18 * 60, 6 * 60)
    for i in range(3):
        held(book(cast.bilan, 120, days=-2, hours=3 * i))
    cast.bilan.record_personal_work(by=cast.consultant, minutes=6 * 60)

    budget = cast.bilan.budget()
    assert budget.planned_total == 24 * 60
    assert budget.percent_planned == 100
    assert budget.remaining == 0
    assert budget.delivered_total == 12 * 60
    assert budget.percent_delivered == 50


def test_the_budget_leaves_personal_work_out_when_the_rule_says_so(cast: SimpleNamespace) -> None:
    own_rule(cast.org, dt.date(2026, 3, 2), count_personal_work=False)
    plan(cast.bilan, 18 * 60, 6 * 60)
    for i in range(3):
        held(book(cast.bilan, 120, days=-2, hours=3 * i))
    cast.bilan.record_personal_work(by=cast.consultant, minutes=6 * 60)

    budget = cast.bilan.budget()
    assert budget.planned_total == 18 * 60
    assert budget.percent_planned == 75
    assert budget.remaining == 6 * 60
    assert budget.percent_delivered == 25


def budget(**values: int | bool) -> Budget:
    base: dict[str, Any] = dict(
        planned_accompaniment=0,
        scheduled_accompaniment=0,
        delivered_accompaniment=0,
        planned_personal=0,
        delivered_personal=0,
        max_total=24 * 60,
        min_accompaniment=13 * 60,
        count_personal=True,
    )
    return Budget(**{**base, **values})


def test_the_accompaniment_planned_is_the_programme_or_what_is_scheduled_if_more() -> None:
    assert budget(planned_accompaniment=600, scheduled_accompaniment=300).accompaniment == 600
    assert budget(planned_accompaniment=600, scheduled_accompaniment=900).accompaniment == 900


def test_budget_percentages_are_capped_and_safe_without_a_ceiling() -> None:
    assert budget(delivered_accompaniment=30 * 60).percent_delivered == 100
    assert budget(max_total=0, delivered_accompaniment=60).percent_delivered == 0
    assert budget(max_total=0, planned_accompaniment=60).percent_planned == 0


def test_the_minimum_is_about_delivered_accompaniment_only() -> None:
    assert budget(delivered_accompaniment=12 * 60, delivered_personal=10 * 60).below_minimum
    assert not budget(delivered_accompaniment=13 * 60).below_minimum


@pytest.mark.parametrize(
    "minutes,text",
    [
        (0, "0 h"),
        (5, "0 h 05"),
        (60, "1 h"),
        (90, "1 h 30"),
        (780, "13 h"),
        (1440, "24 h"),
        (1470, "24 h 30"),
    ],
)
def test_fmt_writes_hours_the_french_way(minutes: int, text: str) -> None:
    assert fmt(minutes) == text


def test_delivered_personal_work_counts_when_an_entretien_is_booked_and_held(
    cast: SimpleNamespace,
) -> None:
    for i in range(10):
        held(book(cast.bilan, 120, days=-3, hours=3 * i))
    cast.bilan.record_personal_work(by=cast.consultant, minutes=4 * 60)  # 20 h + 4 h: the ceiling

    with pytest.raises(RuleViolation, match="Entretien refusé : durée planifiée 26 h > 24 h"):
        book(cast.bilan, 120, days=-1)
    assert cast.bilan.budget().delivered_total == 24 * 60


def test_marking_held_counts_the_personal_work_already_done(cast: SimpleNamespace) -> None:
    for i in range(10):
        held(book(cast.bilan, 120, days=-3, hours=3 * i))
    cast.bilan.record_personal_work(by=cast.consultant, minutes=3 * 60)
    last = book(cast.bilan, 60, days=-1)  # 21 h + 3 h: the ceiling

    with pytest.raises(RuleViolation, match="Durée réalisée 24 h 15 > 24 h maximum"):
        last.mark_held(by=cast.consultant, held_minutes=75)
    held(last)
    assert cast.bilan.budget().delivered_total == 24 * 60


def test_a_later_change_of_the_law_replaces_an_older_organisation_rule(
    cast: SimpleNamespace,
) -> None:
    HoursRule.objects.create(
        organisation=cast.org,
        effective_from=dt.date(2020, 1, 1),
        max_total_minutes=24 * 60,
        min_accompaniment_minutes=0,
        count_personal_work=False,
    )
    assert HoursRule.in_force(cast.org, dt.date(2025, 6, 1)).organisation_id == cast.org.pk
    after = HoursRule.in_force(cast.org, dt.date(2026, 6, 1))
    assert after.organisation_id is None and after.min_accompaniment_minutes == 13 * 60
