"""Results indicators (ind. 2, REQ-36), computed from the platform's data, never typed.

For a period (first and last day, both included) and an organisation:
- bilans started (their entry: the move to the preliminary phase) and bilans completed (their
  end date), the share completed in full among the bilans that ended (closed, interrupted or
  abandoned);
- the average accompaniment hours delivered (`bilan.budget()`) of the bilans completed;
- the suivi à 6 mois accepted (among the bilans completed) and held (in the period);
- satisfaction « à chaud » and « à froid »: the share answering 4 or 5 to the first scale
  question, from the pseudonymised answers of the period's quarters;
- the outcome categories recorded at the suivi in the period.
Each figure carries its n; under MIN_N it is shown as « en cours » (too few to mean anything).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.bilans.models import (
    Bilan,
    Completion,
    FollowUpDecision,
    RuleViolation,
    Status,
    StatusChange,
)
from bilan.entretiens.models import EntretienStatus
from bilan.followup.models import Outcome, Suivi
from bilan.organisations.models import Organisation
from bilan.quality.models import QuestionType, SurveyAnswer, SurveyKind, quarter_of

MIN_N = 5
MAX_PERIOD_DAYS = 3 * 366
ENDED = (Status.INTERRUPTED, Status.ABANDONED)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return _t("du %(start)s au %(end)s") % {
            "start": self.start.strftime("%d/%m/%Y"),
            "end": self.end.strftime("%d/%m/%Y"),
        }

    def quarters(self) -> list[str]:
        found, day = [], self.start
        while day <= self.end:
            if quarter_of(day) not in found:
                found.append(quarter_of(day))
            day += dt.timedelta(days=28)
        if quarter_of(self.end) not in found:
            found.append(quarter_of(self.end))
        return found


def period(start: dt.date | None = None, end: dt.date | None = None) -> Period:
    """The period asked for; by default the twelve months to today."""
    end = end or timezone.localdate()
    try:
        start = start or end.replace(year=end.year - 1) + dt.timedelta(days=1)
    except (ValueError, OverflowError):  # 29 February, or the year 1
        start = max(dt.date.min, end - dt.timedelta(days=365)) if end.year > 1 else end
    if start > end:
        raise RuleViolation(_t("La période commence après sa fin."), code="invalid")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise RuleViolation(_t("Choisissez une période de trois ans au plus."), code="invalid")
    return Period(start, end)


@dataclass
class Figure:
    key: str
    label: str
    n: int  # the headcount the figure is computed on
    value: float | None  # a percentage, hours, or a count; None when « en cours » or no data
    unit: str  # "%", "h" or ""
    breakdown: list[tuple[str, int]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.n == 0:
            return "no_data"
        return "ok" if self.value is not None else "building"

    @property
    def display(self) -> str:
        if self.n == 0:
            return _t("aucune donnée sur la période")
        if self.value is None:
            return _t("en cours (n < %(min)s)") % {"min": MIN_N}
        if self.unit == "%":
            return f"{self.value:g} %"
        if self.unit == "h":
            return f"{self.value:g} h"
        return f"{self.value:g}"


def share(part: int, whole: int) -> float | None:
    return round(100 * part / whole) if whole >= MIN_N else None


def _satisfaction(organisation: Organisation, kind: str, p: Period) -> Figure:
    answers = SurveyAnswer.objects.filter(
        organisation=organisation, kind=kind, quarter__in=p.quarters()
    ).select_related("question_set")
    scores = []
    for a in answers:
        first = next(
            (q["key"] for q in a.question_set.questions if q["type"] == QuestionType.SCALE), None
        )
        if first and first in a.answers:
            scores.append(a.answers[first])
    label = (
        _t("Satisfaction à chaud (4 ou 5 sur 5)")
        if kind == SurveyKind.HOT
        else _t("Satisfaction à froid, à 6 mois (4 ou 5 sur 5)")
    )
    return Figure(
        key=f"satisfaction_{kind}",
        label=label,
        n=len(scores),
        value=share(sum(1 for s in scores if s >= 4), len(scores)),
        unit="%",
    )


def bilans_of(organisation: Organisation) -> QuerySet[Bilan]:
    return Bilan.objects.filter(organisation=organisation)


def compute(organisation: Organisation, p: Period) -> list[Figure]:
    bilans = bilans_of(organisation)
    started = (
        StatusChange.objects.filter(
            bilan__organisation=organisation,
            to_status=Status.PRELIMINARY,
            at__date__gte=p.start,
            at__date__lte=p.end,
        )
        .values("bilan")
        .distinct()
        .count()
    )
    completed = list(
        bilans.filter(closed_on__gte=p.start, closed_on__lte=p.end).select_related("organisation")
    )
    stopped = (
        StatusChange.objects.filter(
            bilan__organisation=organisation,
            to_status__in=ENDED,
            at__date__gte=p.start,
            at__date__lte=p.end,
        )
        .values("bilan")
        .distinct()
        .count()
    )
    full = sum(1 for b in completed if b.completion == Completion.FULL)
    ended = len(completed) + stopped
    minutes = [b.budget().delivered_accompaniment for b in completed]
    accepted = sum(1 for b in completed if b.follow_up_decision == FollowUpDecision.ACCEPTED)
    held = Suivi.objects.filter(
        bilan__organisation=organisation,
        entretien__status=EntretienStatus.HELD,
        entretien__starts_at__date__gte=p.start,
        entretien__starts_at__date__lte=p.end,
    ).count()
    outcomes = list(
        Suivi.objects.filter(
            bilan__organisation=organisation,
            outcome_recorded_at__date__gte=p.start,
            outcome_recorded_at__date__lte=p.end,
        )
        .exclude(outcome="")
        .values_list("outcome", flat=True)
    )
    enough_outcomes = len(outcomes) >= MIN_N
    return [
        Figure("started", _t("Bilans commencés"), started, float(started) if started else None, ""),
        Figure(
            "completed",
            _t("Bilans terminés"),
            len(completed),
            float(len(completed)) if completed else None,
            "",
        ),
        Figure(
            "completed_in_full",
            _t("Part des bilans réalisés en totalité (parmi les bilans terminés ou arrêtés)"),
            ended,
            share(full, ended),
            "%",
        ),
        Figure(
            "accompaniment_hours",
            _t("Durée moyenne d'accompagnement réalisée"),
            len(minutes),
            round(sum(minutes) / len(minutes) / 60, 1) if len(minutes) >= MIN_N else None,
            "h",
        ),
        Figure(
            "suivi_accepted",
            _t("Entretien de suivi à 6 mois accepté"),
            len(completed),
            share(accepted, len(completed)),
            "%",
        ),
        Figure(
            "suivi_held",
            _t("Entretiens de suivi tenus"),
            held,
            float(held) if held else None,
            "",
        ),
        _satisfaction(organisation, SurveyKind.HOT, p),
        _satisfaction(organisation, SurveyKind.COLD, p),
        Figure(
            "outcomes",
            _t("Situation à 6 mois"),
            len(outcomes),
            float(len(outcomes)) if enough_outcomes else None,
            "",
            breakdown=(
                [
                    (str(label), sum(1 for o in outcomes if o == value))
                    for value, label in Outcome.choices
                ]
                if enough_outcomes
                else []
            ),
        ),
    ]
