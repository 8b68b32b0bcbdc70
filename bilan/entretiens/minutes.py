"""How the hours budget counts entretiens and inter-session work: registered with the core
(bilan/bilans/minutes.py) when the app is ready, so the core's budget never imports this app."""

from __future__ import annotations

from typing import Any

from django.db.models import Expression, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from bilan.bilans.models import Bilan, Phase
from bilan.entretiens import ledger
from bilan.entretiens.models import Assignment, Entretien

ACCOMPANIMENT = ("scheduled_minutes", "held_minutes", "delivered_minutes")
PERSONAL = ("assigned_minutes", "assigned_done_minutes")


def annotations() -> dict[str, Expression]:
    """The five figures per bilan row, in one query whatever the number of bilans."""

    def minutes(field: str, *conds: Q, **flt: Any) -> Coalesce:
        sub = (
            Entretien.objects.filter(*conds, bilan=OuterRef("pk"), **flt)
            .exclude(phase=Phase.FOLLOW_UP)
            .order_by()
            .values("bilan")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))

    def estimates(**flt: Any) -> Coalesce:
        sub = (
            Assignment.objects.filter(bilan=OuterRef("pk"), **flt)
            .order_by()
            .values("bilan")
            .annotate(total=Sum("estimated_minutes"))
            .values("total")
        )
        return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))

    return {
        "scheduled_minutes": minutes("planned_minutes", status__in=["planned", "held"]),
        "held_minutes": minutes("held_minutes", status="held"),
        # Delivered: held and proven by attendance (the hours ledger's rule).
        "delivered_minutes": minutes("held_minutes", ledger.proven(), status="held"),
        "assigned_minutes": estimates(),
        "assigned_done_minutes": estimates(done_at__isnull=False),
    }


def of(bilan: Bilan, names: tuple[str, ...]) -> dict[str, int]:
    """The figures `names` of one bilan (one query per group asked)."""
    counted: dict[str, int] = {}
    if set(names) & set(ACCOMPANIMENT):
        sums = bilan.entretiens.exclude(phase=Phase.FOLLOW_UP).aggregate(
            scheduled=Sum("planned_minutes", filter=Q(status__in=["planned", "held"])),
            held=Sum("held_minutes", filter=Q(status="held")),
            delivered=Sum("held_minutes", filter=Q(status="held") & ledger.proven()),
        )
        counted["scheduled_minutes"] = sums["scheduled"] or 0
        counted["held_minutes"] = sums["held"] or 0
        counted["delivered_minutes"] = sums["delivered"] or 0
    if set(names) & set(PERSONAL):
        sums = bilan.assignments.aggregate(
            given=Sum("estimated_minutes"),
            done=Sum("estimated_minutes", filter=Q(done_at__isnull=False)),
        )
        counted["assigned_minutes"] = sums["given"] or 0
        counted["assigned_done_minutes"] = sums["done"] or 0
    return counted
