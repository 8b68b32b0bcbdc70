"""The closing owner's seat in the core: the core asks, a feature answers.

Closing needs what lives above the core (the synthèse in documents, the plan d'action in
followup), so its checklist and its act are owned by `bilan.followup.closing`. The core's
pages and transitions must not import a feature: followup registers its owner here when the
app is ready (`FollowupConfig.ready`), and the bilan page's « prêt à clore » and the
« close » transition call it, so they answer what the closing page and the API answer.
`Bilan.close` itself is only the state change the owner performs last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from bilan.accounts.models import User
from bilan.bilans.models import Bilan, Completion


class MissingFn(Protocol):
    def __call__(self, bilan: Bilan, completion: str = ...) -> list[str]: ...


class CloseFn(Protocol):
    def __call__(
        self, *, bilan: Bilan, by: User, completion: str = ..., reason: str = ...
    ) -> Bilan: ...


@dataclass(frozen=True)
class ClosingOwner:
    missing: MissingFn  # what closing still lacks, in the refusal's words ([] when ready)
    close: CloseFn  # the one act that closes: refused while anything is missing


_owner: ClosingOwner | None = None


def register(*, missing: MissingFn, close: CloseFn) -> None:
    """Called once by the owning app's AppConfig.ready (the last registration wins)."""
    global _owner
    _owner = ClosingOwner(missing=missing, close=close)


ClosedHook = Callable[[Bilan], None]
_on_closed: list[ClosedHook] = []


def on_closed(hook: ClosedHook) -> None:
    """A feature asks to be told when a bilan has closed (quality: the satisfaction surveys).
    Called once per app's ready(); registering the same hook twice keeps one."""
    if hook not in _on_closed:
        _on_closed.append(hook)


def closed(bilan: Bilan) -> None:
    """Called by `Bilan.close` inside its transaction, after the state change: a hook that
    fails undoes the closing, so nothing closes without what the hooks record."""
    for hook in _on_closed:
        hook(bilan)


def owner() -> ClosingOwner:
    if _owner is None:
        raise ImproperlyConfigured(
            "No closing owner registered: bilan.followup must be in INSTALLED_APPS."
        )
    return _owner


def missing(bilan: Bilan, completion: str = Completion.FULL) -> list[str]:
    return owner().missing(bilan, completion)


def close(*, bilan: Bilan, by: User, completion: str = Completion.FULL, reason: str = "") -> Bilan:
    return owner().close(bilan=bilan, by=by, completion=completion, reason=reason)
