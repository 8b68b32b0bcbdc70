"""The session gate registry: features refuse a session the core would allow.

A feature registers a callable `(bilan, kind) -> str | None` (a French refusal, or None) when
its app is ready; the entretiens' scheduling owner calls `check(bilan, kind)` before booking,
`kind` being the phase of the entretien. The core never imports a feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # why: models imports nothing from here; the type only
    from bilan.bilans.models import Bilan

Gate = Callable[["Bilan", str], "str | None"]

_gates: dict[str, Gate] = {}


def register(name: str, gate: Gate) -> None:
    """Called by a feature's AppConfig.ready (a name registers once: re-registering replaces)."""
    _gates[name] = gate


def refusal(bilan: Bilan, kind: str) -> str | None:
    for gate in _gates.values():
        message = gate(bilan, kind)
        if message:
            return message
    return None


def check(bilan: Bilan, kind: str) -> None:
    """Refuse (RuleViolation, 409) when a registered gate refuses."""
    from bilan.bilans.models import RuleViolation  # why: models would import this module back

    message = refusal(bilan, kind)
    if message:
        raise RuleViolation(message)
