"""The funding owner's seat in the core: the core asks, the funding feature answers.

`Bilan.funding_route` / `funding_reference` have many readers, but one owner decides every
change of a bilan's funding (`bilan.funding.rules`): a reason once the bilan has started, a
logged change, a closed bilan refused unless corrected explicitly. The core must not import
a feature, so the feature registers its owner here when the app is ready
(`FundingConfig.ready`) and `Bilan.update_administration` calls it for a route change.
Without a registration (the core alone) the core writes the two fields itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # why: models imports this module; the types only
    from bilan.accounts.models import User
    from bilan.bilans.models import Bilan


class ChangeRouteFn(Protocol):
    def __call__(self, *, bilan: Bilan, by: User, route: str, reference: str) -> None: ...


_change_route: ChangeRouteFn | None = None


def register(*, change_route: ChangeRouteFn) -> None:
    """Called once by the owning app's AppConfig.ready (the last registration wins)."""
    global _change_route
    _change_route = change_route


def registered() -> bool:
    return _change_route is not None


def change_route(*, bilan: Bilan, by: User, route: str, reference: str) -> None:
    """Set the primary route and reference of `bilan` (locked by the caller) through the owner."""
    if _change_route is None:
        raise RuntimeError("No funding owner registered.")
    _change_route(bilan=bilan, by=by, route=route, reference=reference)
