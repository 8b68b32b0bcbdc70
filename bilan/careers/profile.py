"""The two inputs of the matching (bilan/careers/matching.py), read from the database.

- `referential(version)`: the snapshot of every métier of one ROME version, built once per
  process and kept per RomeVersion (id and import time), so ranking costs no query;
- `profile_for(bilan, referential)`: the bilan's inputs: the latest submitted RIASEC result,
  the card sort of centres d'intérêt and the contexts to avoid (InterestSort), the
  portefeuille's competences (recognised in the ROME by linked OGR code or by label, see
  `matching.resolve_portfolio`), and the consultant's pins and exclusions (MatchDecision).

Reading these inputs is reading content: the caller (bilan/careers/matches.py) checks who
reads and writes the audit rows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bilan.assessments.administrations import RIASEC_FAMILY, latest_result
from bilan.assessments.models import Result
from bilan.bilans.models import Bilan
from bilan.careers.matching import MetierFacts, Profile, Referential, recognise
from bilan.careers.models import (
    CentreInteret,
    Competence,
    CompetenceCategory,
    ContexteTravail,
    InterestSort,
    MatchDecision,
    Metier,
    MetierCentreInteret,
    MetierCompetence,
    MetierContexte,
    MetierSavoir,
    RomeVersion,
    Savoir,
)
from bilan.exercises.models import ExperienceCompetence

_CACHE: dict[tuple[int, object], Referential] = {}
_LOCK = threading.Lock()


def referential(version: RomeVersion) -> Referential:
    """The snapshot of `version`, built on first use in this process (a handful of queries)."""
    key = (version.pk, version.imported_at)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            _CACHE.clear()  # one version is current at a time: keep only the latest snapshot
            cached = _CACHE[key] = build_referential(version.number)
    return cached


def build_referential(number: str) -> Referential:
    """Savoir-faire (savoir-être left aside) and savoirs with their cœur de métier level,
    centres d'intérêt (principal or not), contextes de travail and RIASEC of every métier."""
    know_how = dict(
        Competence.objects.filter(category=CompetenceCategory.SAVOIR_FAIRE).values_list(
            "code_ogr", "label"
        )
    )
    savoirs = dict(Savoir.objects.values_list("code_ogr", "label"))
    skills: dict[str, dict[int, str]] = {}
    for code_rome, ogr, core in MetierCompetence.objects.filter(
        competence__category=CompetenceCategory.SAVOIR_FAIRE
    ).values_list("metier_id", "competence_id", "core"):
        skills.setdefault(code_rome, {})[ogr] = core
    for code_rome, ogr, core in MetierSavoir.objects.values_list("metier_id", "savoir_id", "core"):
        skills.setdefault(code_rome, {})[ogr] = core
    centres: dict[str, dict[int, bool]] = {}
    for code_rome, code, principal in MetierCentreInteret.objects.values_list(
        "metier_id", "centre_id", "principal"
    ):
        centres.setdefault(code_rome, {})[code] = principal
    contexts: dict[str, set[int]] = {}
    for code_rome, code in MetierContexte.objects.values_list("metier_id", "contexte_id"):
        contexts.setdefault(code_rome, set()).add(code)
    metiers = [
        MetierFacts(
            code_rome=code_rome,
            label=label,
            major=major,
            minor=minor,
            centres=centres.get(code_rome, {}),
            skills=skills.get(code_rome, {}),
            contexts=frozenset(contexts.get(code_rome, ())),
        )
        for code_rome, label, major, minor in Metier.objects.values_list(
            "code_rome", "label", "riasec_major", "riasec_minor"
        )
    ]
    return Referential(
        version=number,
        metiers=metiers,
        centre_labels=dict(CentreInteret.objects.values_list("code", "label")),
        skill_labels=know_how | savoirs,
        context_labels=dict(ContexteTravail.objects.values_list("code_ogr", "label")),
    )


def riasec_result(bilan: Bilan) -> Result | None:
    """The result of the bilan's latest submitted RIASEC test, if any (the assessments owner)."""
    return latest_result(bilan, family=RIASEC_FAMILY)


@dataclass
class Inputs:
    """A bilan's profile and the content rows it was read from (to audit, and to show)."""

    profile: Profile
    riasec: Result | None = None
    riasec_code: str = ""
    interest_sort: InterestSort | None = None
    competences: list[ExperienceCompetence] = field(default_factory=list)
    decisions: list[MatchDecision] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)  # portefeuille labels not in the ROME

    @property
    def objects(self) -> list:
        return [self.riasec, self.interest_sort, *self.competences, *self.decisions]

    def as_json(self) -> dict:
        return {
            **self.profile.as_json(),
            "holland_code": self.riasec_code,
            "riasec_result_id": self.riasec.pk if self.riasec else None,
            "unrecognised": self.unrecognised,
        }


def profile_for(bilan: Bilan, ref: Referential) -> Inputs:
    result = riasec_result(bilan)
    raw = (result.scores or {}).get("raw") if result else None
    sort = InterestSort.objects.filter(bilan=bilan).first()
    competences = list(
        ExperienceCompetence.objects.filter(experience__bilan=bilan).order_by(
            "experience__start_on", "experience_id", "id"
        )
    )
    pairs = [(c.label, c.rome_code) for c in competences]
    found = recognise(pairs, ref)
    held: dict[int, str] = {}
    for label, codes in found:
        for code in codes:
            held.setdefault(code, label)
    recognised = {label for label, codes in found if codes}
    labels = list(dict.fromkeys(c.label for c in competences))
    decisions = list(MatchDecision.objects.filter(bilan=bilan).order_by("code_rome"))
    profile = Profile(
        riasec={k: int(v) for k, v in raw.items()} if raw else None,
        chosen_centres=frozenset(int(c) for c in sort.chosen) if sort else frozenset(),
        ranked_centres=tuple(int(c) for c in sort.ranked) if sort else (),
        held=held,
        portfolio_labels=tuple(labels),
        avoided_contexts=frozenset(int(c) for c in sort.avoided_contexts) if sort else frozenset(),
        pinned={
            d.code_rome: d.reason for d in decisions if d.decision == MatchDecision.Decision.PIN
        },
        excluded=frozenset(
            d.code_rome for d in decisions if d.decision == MatchDecision.Decision.EXCLUDE
        ),
    )
    return Inputs(
        profile=profile,
        riasec=result,
        riasec_code=(result.scores or {}).get("code", "") if result else "",
        interest_sort=sort,
        competences=competences,
        decisions=decisions,
        unrecognised=[label for label in labels if label not in recognised],
    )
