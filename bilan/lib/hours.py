"""Pure helpers for hour budgets, in minutes (integers avoid rounding drift)."""

from __future__ import annotations

from dataclasses import dataclass


def fmt(minutes: int) -> str:
    """French notation: 90 -> '1 h 30', 1440 -> '24 h'."""
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m:02d}" if m else f"{h} h"


@dataclass(frozen=True)
class Budget:
    """A bilan's hours, as planned and as delivered, against the rule in force."""

    planned_accompaniment: int  # the programme, or what is scheduled if that is more
    scheduled_accompaniment: int  # entretiens planned or held, not cancelled or missed
    delivered_accompaniment: int  # entretiens held with their attendance proven (the ledger)
    planned_personal: int
    delivered_personal: int
    max_total: int
    min_accompaniment: int
    count_personal: bool
    # Every held entretien, proven or not: what the 24 h ceiling counts (it cannot be escaped
    # by leaving sheets unsigned). Defaults to the delivered figure.
    held_accompaniment: int | None = None

    @property
    def held(self) -> int:
        if self.held_accompaniment is None:
            return self.delivered_accompaniment
        return max(self.held_accompaniment, self.delivered_accompaniment)

    @property
    def unproven(self) -> int:
        """Held accompaniment whose attendance is not proven yet: it does not count as delivered."""
        return self.held - self.delivered_accompaniment

    @property
    def held_total(self) -> int:
        """Held accompaniment and delivered personal work, against the ceiling."""
        return self.held + (self.delivered_personal if self.count_personal else 0)

    @property
    def accompaniment(self) -> int:
        return max(self.planned_accompaniment, self.scheduled_accompaniment)

    @property
    def personal(self) -> int:
        # Personal work already done counts even when it went beyond the programme.
        return max(self.planned_personal, self.delivered_personal)

    @property
    def planned_total(self) -> int:
        return self.accompaniment + (self.personal if self.count_personal else 0)

    @property
    def delivered_total(self) -> int:
        return self.delivered_accompaniment + (
            self.delivered_personal if self.count_personal else 0
        )

    @property
    def remaining(self) -> int:
        return max(self.max_total - self.planned_total, 0)

    @property
    def below_minimum(self) -> bool:
        return self.delivered_accompaniment < self.min_accompaniment

    @property
    def percent_delivered(self) -> int:
        return min(round(100 * self.delivered_total / self.max_total), 100) if self.max_total else 0

    @property
    def percent_planned(self) -> int:
        return min(round(100 * self.planned_total / self.max_total), 100) if self.max_total else 0
