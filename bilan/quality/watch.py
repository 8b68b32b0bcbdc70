"""The watch log (ind. 23–25, REQ-43): the one owner. The admin records what the watch found
and links the configuration change it caused — an hours rule (general or the organisation's)
or, for what the platform does not model, the change in words."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _t

from bilan.accounts.models import User
from bilan.bilans.models import RuleViolation
from bilan.lib.text import capped
from bilan.organisations.models import HoursRule, Membership, Organisation, Role
from bilan.quality.models import LABEL_MAX, WatchEntry, WatchKind

TEXT_MAX = 5000


def rules_for(organisation: Organisation) -> QuerySet[HoursRule]:
    """The hours rules an entry may name: the general ones and the organisation's own."""
    return HoursRule.objects.filter(Q(organisation=None) | Q(organisation=organisation))


def record_watch_entry(
    *,
    organisation: Organisation,
    by: User,
    kind: str,
    source: str,
    summary: str,
    noted_on: dt.date | None = None,
    hours_rule: HoursRule | None = None,
    configuration_change: str = "",
) -> WatchEntry:
    membership: Membership | None = getattr(by, "membership", None)
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or (membership.role != Role.ADMIN)
    ):
        raise RuleViolation(
            _t("Seul·e un·e administrateur·rice (qualité) tient le journal de veille."),
            code="forbidden",
        )
    if kind not in WatchKind.values:
        raise RuleViolation(_t("Choisissez le type de veille."), code="invalid")
    source = capped(_t("Source"), source, LABEL_MAX)
    summary = capped(_t("Ce qui change"), summary, TEXT_MAX)
    change = capped(_t("Changement de configuration"), configuration_change, TEXT_MAX)
    if not source or not summary:
        raise RuleViolation(_t("Indiquez la source et ce qui change."), code="invalid")
    today = timezone.localdate()
    noted_on = noted_on or today
    if not today - dt.timedelta(days=5 * 366) <= noted_on <= today:
        raise RuleViolation(
            _t("La date est dans les cinq dernières années, au plus tard aujourd'hui."), "invalid"
        )
    if hours_rule is not None and not rules_for(organisation).filter(pk=hours_rule.pk).exists():
        raise RuleViolation(_t("Cette règle d'heures n'est pas celle de l'organisme."), "invalid")
    return WatchEntry.objects.create(
        organisation=organisation,
        noted_on=noted_on,
        kind=kind,
        source=source,
        summary=summary,
        hours_rule=hours_rule,
        configuration_change=change,
        created_by=by,
    )


def entries_for(user: User) -> QuerySet[WatchEntry]:
    membership: Membership | None = getattr(user, "membership", None)
    if membership is None or membership.role not in (Role.ADMIN, Role.CONSULTANT):
        return WatchEntry.objects.none()
    return WatchEntry.objects.filter(organisation_id=membership.organisation_id).select_related(
        "hours_rule"
    )
