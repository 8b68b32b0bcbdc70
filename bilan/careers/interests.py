"""The beneficiary's card sort of ROME's 30 centres d'intérêt (choose any, then rank a top 5)
and « Ce que je veux éviter » (contexts of work to avoid): one InterestSort per bilan.

Only the beneficiary writes, while the bilan is in its phases; the assigned consultant reads
(audited), the administration never (REQ-54). The ROME version the codes were chosen in is
stored with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bilan.accounts.models import User

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _t

from bilan.bilans.access import can_read_content
from bilan.bilans.models import IN_PHASE_STATUSES, Bilan, RuleViolation
from bilan.careers.matching import MAX_RANKED
from bilan.careers.models import CentreInteret, ContexteTravail, InterestSort
from bilan.careers.referential import current_version
from bilan.compliance.audit import record_content_access


def may_edit(bilan: Bilan, user) -> bool:
    return user.pk == bilan.beneficiary_id and bilan.in_phases


def centres() -> list[CentreInteret]:
    return list(CentreInteret.objects.order_by("code"))


@dataclass
class ContextGroup:
    type_code: str
    type_label: str
    contexts: list[ContexteTravail]


def context_groups() -> list[ContextGroup]:
    """The contexts of work grouped by their ROME type (horaires, déplacements, conditions…)."""
    groups: dict[str, ContextGroup] = {}
    for c in ContexteTravail.objects.order_by("type_code", "label"):
        group = groups.setdefault(c.type_code, ContextGroup(c.type_code, c.type_label, []))
        group.contexts.append(c)
    return sorted(groups.values(), key=lambda g: (len(g.type_code), g.type_code))


def _codes(values: Iterable, what: str) -> list[int]:
    codes: list[int] = []
    for value in values:
        text = str(value).strip()
        if not text.isdecimal():
            raise RuleViolation(
                _t("%(what)s inconnu : « %(code)s ».") % {"what": what, "code": text[:20]},
                code="invalid",
            )
        if int(text) not in codes:
            codes.append(int(text))
    return codes


def ranking_from_positions(positions: Mapping[int, str]) -> list[int]:
    """The top 5, best first, from {centre code: rank typed or chosen ("1"…"5", or "")}."""
    by_rank: dict[int, int] = {}
    for code, value in sorted(positions.items()):
        text = (value or "").strip()
        if not text:
            continue
        if not text.isdecimal() or not 1 <= int(text) <= MAX_RANKED:
            raise RuleViolation(
                _t("Choisissez un rang de 1 à %(max)s.") % {"max": MAX_RANKED}, code="invalid"
            )
        if int(text) in by_rank:
            raise RuleViolation(
                _t(
                    "Deux centres d'intérêt ont le rang %(rank)s : donnez un rang différent à "
                    "chacun."
                )
                % {"rank": int(text)},
                code="invalid",
            )
        by_rank[int(text)] = code
    return [by_rank[r] for r in sorted(by_rank)]


def save_interest_sort(
    *,
    bilan: Bilan,
    by: User,
    chosen: Iterable,
    ranked: Iterable,
    avoided_contexts: Iterable = (),
) -> InterestSort:
    """Save the whole card sort at once. A ranked centre counts as chosen."""
    if by.pk != bilan.beneficiary_id:
        raise RuleViolation(
            _t("Seul·e le ou la bénéficiaire choisit ses centres d'intérêt."), code="forbidden"
        )
    chosen_codes = _codes(chosen, _t("Centre d'intérêt"))
    ranked_codes = _codes(ranked, _t("Centre d'intérêt"))
    avoided = _codes(avoided_contexts, _t("Contexte de travail"))
    if len(ranked_codes) > MAX_RANKED:
        raise RuleViolation(
            _t(
                "Classez %(max)s centres d'intérêt au plus (vous en avez classé %(n)s) : "
                "retirez-en %(extra)s de votre classement."
            )
            % {"max": MAX_RANKED, "n": len(ranked_codes), "extra": len(ranked_codes) - MAX_RANKED},
            code="invalid",
        )
    known = set(CentreInteret.objects.values_list("code", flat=True))
    unknown = [c for c in [*chosen_codes, *ranked_codes] if c not in known]
    if unknown:
        raise RuleViolation(
            _t("Centre d'intérêt inconnu : « %(code)s ».") % {"code": unknown[0]}, code="invalid"
        )
    known_contexts = set(ContexteTravail.objects.values_list("code_ogr", flat=True))
    unknown = [c for c in avoided if c not in known_contexts]
    if unknown:
        raise RuleViolation(
            _t("Contexte de travail inconnu : « %(code)s ».") % {"code": unknown[0]},
            code="invalid",
        )
    chosen_codes = sorted(set(chosen_codes) | set(ranked_codes))
    version = current_version()
    with transaction.atomic():
        locked = bilan._locked()
        locked._require_status(*IN_PHASE_STATUSES, action=_t("modifier mes centres d'intérêt"))
        sort, _created = InterestSort.objects.select_for_update().get_or_create(bilan=locked)
        sort.chosen, sort.ranked, sort.avoided_contexts = (
            chosen_codes,
            ranked_codes,
            sorted(avoided),
        )
        sort.rome_version = version.number if version else ""
        sort.save()
    return sort


def read_interest_sort(*, reader, bilan: Bilan, channel: str = "web") -> InterestSort | None:
    """The bilan's card sort if ever saved, for the beneficiary or the assigned consultant
    (whose read is audited)."""
    if not can_read_content(reader, bilan):
        raise PermissionDenied(
            _t(
                "Les centres d'intérêt sont réservés au ou à la bénéficiaire et à son ou sa consultant·e."
            )
        )
    sort = InterestSort.objects.filter(bilan=bilan).first()
    if sort is not None:
        record_content_access(actor=reader, bilan=bilan, objects=[sort], channel=channel)
    return sort
