"""The features' parts of the core's staff pages: the core asks, a feature answers.

The bilan page and the dashboards show what features hold (entretiens, inter-session work…),
and the core must not import a feature. A feature registers its sections when the app is ready
(its AppConfig.ready); each returns the context names its part of the template reads, and the
core's views merge them. So does the reading of content the bilan page shows: compliance (above
the core) registers the audit writer, and the page records its reads through `record_read`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from bilan.accounts.http import AuthenticatedRequest
    from bilan.accounts.models import User
    from bilan.bilans.models import Bilan

# (request, bilan, the bound forms of a refused post) → the section's context names
DetailSection = Callable[["AuthenticatedRequest", "Bilan", dict[str, Any]], dict[str, Any]]
# (request, the bilans the user sees, the role: "admin" or "consultant") → context names
DashboardSection = Callable[["AuthenticatedRequest", "QuerySet[Bilan]", str], dict[str, Any]]
ReadRecorder = Callable[..., Any]  # compliance.audit.record_content_access

_detail: dict[str, DetailSection] = {}
_dashboard: dict[str, DashboardSection] = {}
_record_read: ReadRecorder | None = None


def register(
    name: str,
    *,
    detail: DetailSection | None = None,
    dashboard: DashboardSection | None = None,
) -> None:
    """Called by a feature's AppConfig.ready; `name` is the feature's (registering again
    replaces its sections)."""
    if detail is not None:
        _detail[name] = detail
    if dashboard is not None:
        _dashboard[name] = dashboard


def detail_context(
    request: AuthenticatedRequest, bilan: Bilan, bound: dict[str, Any]
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for section in _detail.values():
        context.update(section(request, bilan, bound))
    return context


def dashboard_context(
    request: AuthenticatedRequest, bilans: QuerySet[Bilan], role: str
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for section in _dashboard.values():
        context.update(section(request, bilans, role))
    return context


def register_read_recorder(recorder: ReadRecorder) -> None:
    global _record_read
    _record_read = recorder


def record_read(*, actor: User, bilan: Bilan, objects: list[Model]) -> None:
    """Audit the content `actor` reads on a core page (REQ-54), through compliance."""
    if _record_read is None:
        raise ImproperlyConfigured(
            "No audit writer registered: bilan.compliance must be in INSTALLED_APPS."
        )
    _record_read(actor=actor, bilan=bilan, objects=objects)
