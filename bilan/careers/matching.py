"""Explainable matching: rank every métier of the ROME against one beneficiary's profile and
keep a short list (10 by default), each with its reasons in plain French.

Pure: plain data in, plain data out (no ORM, no request, no clock); the same inputs give the
same list. profile.py builds the two inputs from the database: the `Referential` snapshot
(once per process and ROME version) and the bilan's `Profile`.

Components, each between 0 and 1:

- **Interests (RIASEC)** — congruence of the beneficiary's two-letter Holland code with the
  métier's major/minor, by the hexagon-distance index *C* of Brown & Gore (1994, « An
  evaluation of interest congruence indices », Journal of Vocational Behavior 45, 310–327):
  position by position, a letter scores 3 when it is the same, 2 when adjacent on Holland's
  hexagon R-I-A-S-E-C, 1 when alternate, 0 when opposite; positions weigh 3 (first) and 2
  (second), so C = 3·x₁ + 2·x₂ ranges 0–15. A métier without a minor letter is compared on
  the first position only (0–9). The index is divided by its maximum. The Holland code comes
  from bilan/assessments/scoring.py (`holland_groups`, its tie rule): when letters are tied,
  each two-letter reading the tie allows is tried and the best one counts (the tied letters
  are equally the person's). An undifferentiated profile (six equal scores) is not used.
- **Centres d'intérêt** — the centres the beneficiary chose that the métier is linked to. A
  centre in their top 5 weighs RANKED_WEIGHTS[rank], any other chosen one CHOSEN_WEIGHT; a
  link ROME marks as principal counts PRINCIPAL_CENTRE_BONUS times. The sum is divided by
  CENTRE_SATURATION (sharing one's two favourite centres gives full marks), capped at 1.
- **Compétences** — the métier's savoir-faire and savoirs (savoir-être left aside) held in the
  portefeuille. A cœur de métier item weighs CORE_WEIGHTS["principale"], an emerging one
  CORE_WEIGHTS["emergente"], another 1. Held weight divided by the smaller of the métier's
  total weight and COMPETENCE_SATURATION (five cœur de métier items held is full marks), capped
  at 1. How a portefeuille label is recognised as a ROME item: see `LabelIndex.resolve`.
  « À acquérir »: the métier's cœur de métier items not held, principal ones first, then
  emerging ones (TO_ACQUIRE at most).
- **Contextes à éviter** — each context of work the beneficiary wants to avoid that the métier
  has removes CLASH_PENALTY points from the 0–100 score (a penalty, never an exclusion).

Score = 100 · Σ wᵢ·cᵢ / Σ wᵢ over the components whose input is present (weights WEIGHTS; a
missing input leaves the others renormalised, and the reasons say which one is missing), minus
the penalties, floored at 0, rounded. Ties are broken by code ROME. Pinned métiers always
appear, excluded ones never; without any of the three inputs, no list is made (« pas assez
d'éléments »), only the pinned métiers if any.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bilan.assessments.scoring import RIASEC, holland_groups
from bilan.exercises.portfolio import normalise

# ---- weights, named ------------------------------------------------------------------------

INTERESTS, CENTRES, COMPETENCES = "interests", "centres", "competences"
WEIGHTS = {INTERESTS: 0.40, CENTRES: 0.30, COMPETENCES: 0.30}
POSITION_WEIGHTS = (3, 2)  # Brown & Gore: first letter, second letter
HEXAGON_SCORES = (3, 2, 1, 0)  # same, adjacent, alternate, opposite
RANKED_WEIGHTS = (3.0, 2.6, 2.2, 1.8, 1.4)  # the top 5, best first
CHOSEN_WEIGHT = 1.0
PRINCIPAL_CENTRE_BONUS = 1.25
CENTRE_SATURATION = RANKED_WEIGHTS[0] + RANKED_WEIGHTS[1]
CORE_WEIGHTS = {"principale": 2.0, "emergente": 1.5, "": 1.0}
COMPETENCE_SATURATION = 5 * CORE_WEIGHTS["principale"]
CLASH_PENALTY = 12
DEFAULT_LIMIT = 10
TO_ACQUIRE = 5
MAX_RANKED = len(RANKED_WEIGHTS)
CLOSE = 0.6  # congruence from which a code is « proche »

INPUT_LABELS = {
    INTERESTS: _("test RIASEC"),
    CENTRES: _("centres d'intérêt"),
    COMPETENCES: _("compétences du portefeuille"),
}


# ---- the referential snapshot ---------------------------------------------------------------


@dataclass(frozen=True)
class MetierFacts:
    """What the matching needs of one fiche métier."""

    code_rome: str
    label: str
    major: str
    minor: str = ""
    centres: Mapping[int, bool] = field(default_factory=dict)  # centre code → principal
    skills: Mapping[int, str] = field(default_factory=dict)  # OGR code → core level
    contexts: frozenset[int] = frozenset()

    @property
    def riasec(self) -> str:
        return self.major + self.minor


_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    "a au aux avec ce ces d dans de des du en et l la le les leur leurs ou par pour sa se ses "
    "son sur un une".split()
)
MIN_CONTAINED_WORDS = 2


def significant_words(label: str) -> frozenset[str]:
    """The words of a label that carry meaning: normalised (accents, case), without the
    small grammatical words, and without a plural s or x (« clients » == « client »)."""
    words = set()
    for word in _WORD.findall(normalise(label)):
        if word in STOP_WORDS or len(word) < 2:
            continue
        if len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        words.add(word)
    return frozenset(words)


@dataclass
class LabelIndex:
    """Finds the ROME savoir-faire and savoirs a portefeuille label names."""

    by_label: dict[str, list[int]] = field(default_factory=dict)
    by_word: dict[str, set[int]] = field(default_factory=dict)
    words_of: dict[int, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, labels: Mapping[int, str]) -> LabelIndex:
        index = cls()
        for code, label in sorted(labels.items()):
            index.by_label.setdefault(normalise(label), []).append(code)
            words = significant_words(label)
            index.words_of[code] = words
            for word in words:
                index.by_word.setdefault(word, set()).add(code)
        return index

    def resolve(self, label: str) -> list[int]:
        """The ROME items `label` names, by this rule:

        1. exact: the same label once normalised (accents, case, spaces, punctuation aside:
           bilan/exercises/portfolio.py `normalise`);
        2. otherwise contained: the significant words (`significant_words`) of one are all
           among those of the other — « Accueillir des clients au magasin » holds the ROME item
           « Accueillir les clients », « Suivi de budget » holds « Suivi de budget
           prévisionnel » — provided the
           smaller side has at least MIN_CONTAINED_WORDS words, so that a single word
           (« budget ») does not claim every item that mentions it.
        Codes in ascending order."""
        exact = self.by_label.get(normalise(label))
        if exact:
            return sorted(exact)
        words = significant_words(label)
        if len(words) < MIN_CONTAINED_WORDS:
            return []
        postings = [self.by_word.get(w, set()) for w in words]
        found = set.intersection(*postings) if all(postings) else set()  # label ⊆ item
        for code in set().union(*postings):  # item ⊆ label
            item_words = self.words_of[code]
            if len(item_words) >= MIN_CONTAINED_WORDS and item_words <= words:
                found.add(code)
        return sorted(found)


class Referential:
    """Every métier of one ROME version with what the matching reads, and the inverted
    indexes that make ranking all of them cheap. Built once per process and version."""

    def __init__(
        self,
        *,
        version: str,
        metiers: Iterable[MetierFacts],
        centre_labels: Mapping[int, str],
        skill_labels: Mapping[int, str],
        context_labels: Mapping[int, str],
    ) -> None:
        self.version = version
        self.metiers: tuple[MetierFacts, ...] = tuple(sorted(metiers, key=lambda m: m.code_rome))
        self.position = {m.code_rome: i for i, m in enumerate(self.metiers)}
        self.centre_labels = dict(centre_labels)
        self.skill_labels = dict(skill_labels)
        self.context_labels = dict(context_labels)
        self.skill_totals: list[float] = []
        self.skill_postings: dict[int, list[tuple[int, float]]] = {}
        self.centre_postings: dict[int, list[tuple[int, bool]]] = {}
        self.context_postings: dict[int, list[int]] = {}
        for i, m in enumerate(self.metiers):
            total = 0.0
            for code, core in m.skills.items():
                weight = CORE_WEIGHTS.get(core, 1.0)
                total += weight
                self.skill_postings.setdefault(code, []).append((i, weight))
            self.skill_totals.append(total)
            for code, principal in m.centres.items():
                self.centre_postings.setdefault(code, []).append((i, principal))
            for code in m.contexts:
                self.context_postings.setdefault(code, []).append(i)
        self.riasec_codes = [m.major + m.minor for m in self.metiers]
        self._labels: LabelIndex | None = None
        self._core_order: dict[int, tuple[int, ...]] = {}

    def core_items(self, i: int) -> tuple[int, ...]:
        """The cœur de métier items of métier `i`: principal first, then emerging, by code."""
        found = self._core_order.get(i)
        if found is None:
            order = {"principale": 0, "emergente": 1}
            skills = self.metiers[i].skills
            found = tuple(
                sorted(
                    (c for c in skills if skills[c] in order), key=lambda c: (order[skills[c]], c)
                )
            )
            self._core_order[i] = found
        return found

    @property
    def labels(self) -> LabelIndex:
        """The label index, built on first use (only profiles with a portefeuille need it)."""
        if self._labels is None:
            self._labels = LabelIndex.build(self.skill_labels)
        return self._labels

    def metier(self, code_rome: str) -> MetierFacts | None:
        i = self.position.get(code_rome)
        return None if i is None else self.metiers[i]


# ---- the profile ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """One beneficiary's inputs, as the matching uses them."""

    riasec: Mapping[str, int] | None = None  # raw RIASEC scores keyed R I A S E C
    chosen_centres: frozenset[int] = frozenset()
    ranked_centres: tuple[int, ...] = ()  # best first, at most 5
    held: Mapping[int, str] = field(default_factory=dict)  # OGR code → the portefeuille label
    portfolio_labels: tuple[str, ...] = ()  # every label of the portefeuille
    avoided_contexts: frozenset[int] = frozenset()
    pinned: Mapping[str, str] = field(default_factory=dict)  # code ROME → reason
    excluded: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {
            "riasec": dict(self.riasec) if self.riasec else None,
            "holland": holland_readings(self.riasec)[1] if self.riasec else "",
            "chosen_centres": sorted(self.chosen_centres),
            "ranked_centres": list(self.ranked_centres),
            "held": {str(k): v for k, v in sorted(self.held.items())},
            "portfolio_labels": list(self.portfolio_labels),
            "avoided_contexts": sorted(self.avoided_contexts),
            "pinned": dict(sorted(self.pinned.items())),
            "excluded": sorted(self.excluded),
        }


def recognise(
    labels: Iterable[tuple[str, str]], referential: Referential
) -> list[tuple[str, list[int]]]:
    """Each (label, linked OGR code) pair of the portefeuille with the ROME items it holds: a
    linked code that the referential knows counts directly; otherwise the label is recognised
    by `LabelIndex.resolve`."""
    found = []
    for label, linked in labels:
        linked = (linked or "").strip()
        if linked.isdecimal() and int(linked) in referential.skill_labels:
            found.append((label, [int(linked)]))
        else:
            found.append((label, referential.labels.resolve(label)))
    return found


def resolve_portfolio(
    labels: Iterable[tuple[str, str]], referential: Referential
) -> dict[int, str]:
    """OGR code → portefeuille label (see `recognise`); the first label met keeps a code."""
    held: dict[int, str] = {}
    for label, codes in recognise(labels, referential):
        for code in codes:
            held.setdefault(code, label)
    return held


# ---- interest congruence --------------------------------------------------------------------


def hexagon_score(a: str, b: str) -> int:
    """3 same, 2 adjacent, 1 alternate, 0 opposite on the hexagon R-I-A-S-E-C."""
    distance = abs(RIASEC.index(a) - RIASEC.index(b))
    return HEXAGON_SCORES[min(distance, 6 - distance)]


def congruence(person: str, major: str, minor: str = "") -> float:
    """Brown & Gore's C index on two letters, divided by its maximum (0–1)."""
    environment = (major + minor)[: len(POSITION_WEIGHTS)]
    positions = min(len(person), len(environment))
    if positions == 0:
        return 0.0
    total = sum(
        POSITION_WEIGHTS[i] * hexagon_score(person[i], environment[i]) for i in range(positions)
    )
    return total / (HEXAGON_SCORES[0] * sum(POSITION_WEIGHTS[:positions]))


def holland_readings(riasec: Mapping[str, int] | None) -> tuple[list[str], str]:
    """The two-letter codes the tie rule allows, and the Holland code as scoring.py writes it
    (« S/E-A »); no reading for an undifferentiated or absent profile."""
    if not riasec:
        return [], ""
    groups = holland_groups({t: int(riasec.get(t, 0)) for t in RIASEC})
    if not groups:
        return [], ""
    letters: list[list[str]] = []
    for group in groups:
        letters.extend([group] * len(group))
    first, second = letters[0], letters[1] if len(letters) > 1 else []
    readings = sorted(
        {a + b for a, b in itertools.product(first, second) if a != b} if second else set(first)
    )
    code = "-".join("/".join(g) for g in groups)
    return readings, code


def _congruence_table(readings: Sequence[str]) -> dict[str, tuple[float, str]]:
    """For each possible métier code (major, major+minor): best congruence and the reading."""
    table = {}
    for major in RIASEC:
        for minor in ["", *RIASEC]:
            if minor == major:
                continue
            best = max(readings, key=lambda r: (congruence(r, major, minor), r))
            table[major + minor] = (congruence(best, major, minor), best)
    return table


# ---- ranking --------------------------------------------------------------------------------


@dataclass
class Suggestion:
    rank: int
    code_rome: str
    label: str
    riasec: str
    score: int
    components: dict[str, int | None]
    reasons: list[str]
    to_acquire: list[str]
    clashes: list[str]
    shared_centres: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    pinned: bool = False
    pin_reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Ranking:
    rome_version: str
    enough: bool
    used: list[str]
    missing: list[str]
    notes: list[str]  # French sentences about the inputs
    weights: dict[str, float]
    suggestions: list[Suggestion]
    ranked: int  # métiers ranked (excluded ones aside)
    excluded: int

    def as_json(self) -> dict[str, Any]:
        return {
            "rome_version": self.rome_version,
            "enough": self.enough,
            "used": self.used,
            "missing": self.missing,
            "notes": self.notes,
            "weights": self.weights,
            "ranked": self.ranked,
            "excluded": self.excluded,
            "suggestions": [s.as_json() for s in self.suggestions],
        }


def _inputs(profile: Profile, readings: list[str]) -> tuple[list[str], list[str], list[str]]:
    used, missing, notes = [], [], []
    if readings:
        used.append(INTERESTS)
    else:
        missing.append(INTERESTS)
        notes.append(
            _t(
                "Le profil RIASEC est indifférencié (six scores égaux) : vos intérêts n'ont pas été pris en compte."
            )
            if profile.riasec
            else _t("Pas de résultat au test RIASEC : vos intérêts n'ont pas été pris en compte.")
        )
    if profile.chosen_centres:
        used.append(CENTRES)
    else:
        missing.append(CENTRES)
        notes.append(_t("Aucun centre d'intérêt choisi : ce critère n'a pas été pris en compte."))
    if profile.held:
        used.append(COMPETENCES)
    else:
        missing.append(COMPETENCES)
        notes.append(
            _t(
                "Aucune compétence du portefeuille n'a été reconnue dans le ROME : ce critère n'a pas été pris en compte."
            )
            if profile.portfolio_labels
            else _t("Portefeuille de compétences vide : ce critère n'a pas été pris en compte.")
        )
    if profile.avoided_contexts:
        notes.append(
            ngettext(
                "%(n)s contexte de travail à éviter abaisse le score des métiers qui l'ont.",
                "%(n)s contextes de travail à éviter abaissent le score des métiers qui les ont.",
                len(profile.avoided_contexts),
            )
            % {"n": len(profile.avoided_contexts)}
        )
    return used, missing, notes


def rank(referential: Referential, profile: Profile, *, limit: int = DEFAULT_LIMIT) -> Ranking:
    """Rank every métier of `referential` for `profile`; the top `limit` with their reasons
    (and every pinned métier, even beyond `limit`)."""
    readings, _code = holland_readings(profile.riasec)
    used, missing, notes = _inputs(profile, readings)
    weights = {name: WEIGHTS[name] for name in used}
    total_weight = sum(weights.values())
    metiers = referential.metiers
    n = len(metiers)
    excluded = {referential.position[c] for c in profile.excluded if c in referential.position}
    pinned = {referential.position[c] for c in profile.pinned if c in referential.position}
    pinned -= excluded

    centre_sum = [0.0] * n
    skill_sum = [0.0] * n
    clashes = [0] * n
    if CENTRES in weights:
        ranks = {code: i for i, code in enumerate(profile.ranked_centres[:MAX_RANKED])}
        for code in profile.chosen_centres | set(ranks):
            base = RANKED_WEIGHTS[ranks[code]] if code in ranks else CHOSEN_WEIGHT
            for i, principal in referential.centre_postings.get(code, ()):
                centre_sum[i] += base * (PRINCIPAL_CENTRE_BONUS if principal else 1.0)
    if COMPETENCES in weights:
        for code in profile.held:
            for i, weight in referential.skill_postings.get(code, ()):
                skill_sum[i] += weight
    for code in profile.avoided_contexts:
        for i in referential.context_postings.get(code, ()):
            clashes[i] += 1
    table = _congruence_table(readings) if INTERESTS in weights else {}

    w_int = weights.get(INTERESTS, 0.0)
    w_cen = weights.get(CENTRES, 0.0)
    w_com = weights.get(COMPETENCES, 0.0)
    totals = referential.skill_totals
    scores = [0.0] * n
    if total_weight:
        interest = (
            [w_int * table[code][0] for code in referential.riasec_codes] if w_int else [0.0] * n
        )
        for i in range(n):
            value = interest[i]
            if w_cen and centre_sum[i]:
                value += w_cen * min(1.0, centre_sum[i] / CENTRE_SATURATION)
            if w_com and skill_sum[i]:
                value += w_com * min(1.0, skill_sum[i] / min(totals[i], COMPETENCE_SATURATION))
            scores[i] = max(0.0, 100.0 * value / total_weight - CLASH_PENALTY * clashes[i])

    enough = bool(total_weight)
    chosen = sorted(pinned, key=lambda i: (-scores[i], i))
    if enough:
        room = max(0, limit - len(chosen))
        skip = excluded | pinned
        # Métiers are in code ROME order: the index breaks ties by code ROME.
        best = heapq.nsmallest(room + len(skip), range(n), key=lambda i: (-scores[i], i))
        chosen += [i for i in best if i not in skip][:room]
        chosen.sort(key=lambda i: (-scores[i], i))
    else:
        notes.insert(
            0,
            _t(
                "Pas assez d'éléments pour proposer des pistes : il faut au moins un résultat "
                "au test RIASEC, des centres d'intérêt choisis ou des compétences dans le "
                "portefeuille."
            ),
        )
    context = _Context(referential, profile, table, weights, missing, centre_sum, skill_sum)
    suggestions = [
        context.suggestion(r, i, scores[i], i in pinned) for r, i in enumerate(chosen, 1)
    ]
    return Ranking(
        rome_version=referential.version,
        enough=enough,
        used=used,
        missing=missing,
        notes=notes,
        weights={k: round(v / total_weight, 4) for k, v in weights.items()} if total_weight else {},
        suggestions=suggestions,
        ranked=n - len(excluded),
        excluded=len(excluded),
    )


def _join(items: Sequence[str]) -> str:
    return " ; ".join(items)


@dataclass
class _Context:
    referential: Referential
    profile: Profile
    table: dict[str, tuple[float, str]]
    weights: dict[str, float]
    missing: list[str]
    centre_sum: list[float]
    skill_sum: list[float]

    def suggestion(self, rank_: int, i: int, score: float, pinned: bool) -> Suggestion:
        ref, profile = self.referential, self.profile
        m = ref.metiers[i]
        reasons: list[str] = []
        components: dict[str, int | None] = dict.fromkeys(WEIGHTS)
        if pinned:
            reason = profile.pinned.get(m.code_rome, "")
            reasons.append(
                _t("Épinglé par votre consultant·e : %(reason)s.") % {"reason": reason.rstrip(".")}
                if reason
                else _t("Épinglé par votre consultant·e.")
            )
        if INTERESTS in self.weights:
            value, reading = self.table[m.major + m.minor]
            components[INTERESTS] = round(100 * value)
            reasons.append(self._riasec_reason(m, reading, value))
        shared: list[str] = []
        if CENTRES in self.weights:
            ranks = {c: r for r, c in enumerate(profile.ranked_centres)}
            codes = sorted(
                (c for c in m.centres if c in profile.chosen_centres or c in ranks),
                key=lambda c: (ranks.get(c, MAX_RANKED), c),
            )
            shared = [ref.centre_labels.get(c, str(c)) for c in codes]
            components[CENTRES] = round(100 * min(1.0, self.centre_sum[i] / CENTRE_SATURATION))
            if shared:
                top = [c for c in codes if c in ranks]
                reasons.append(
                    ngettext(
                        "%(n)s centre d'intérêt en commun : %(list)s",
                        "%(n)s centres d'intérêt en commun : %(list)s",
                        len(shared),
                    )
                    % {"n": len(shared), "list": _join(shared)}
                    + (_t(" (dont votre n° %(r)s).") % {"r": ranks[top[0]] + 1} if top else ".")
                )
            else:
                reasons.append(_t("Aucun de vos centres d'intérêt n'est associé à ce métier."))
        held: list[str] = []
        if COMPETENCES in self.weights:
            labels = sorted({profile.held[c] for c in m.skills if c in profile.held}, key=normalise)
            held = labels
            total = ref.skill_totals[i]
            components[COMPETENCES] = (
                round(100 * min(1.0, self.skill_sum[i] / min(total, COMPETENCE_SATURATION)))
                if total
                else 0
            )
            if labels:
                reasons.append(
                    ngettext(
                        "%(n)s compétence de votre portefeuille est demandée : %(list)s.",
                        "%(n)s compétences de votre portefeuille sont demandées : %(list)s.",
                        len(labels),
                    )
                    % {"n": len(labels), "list": _join(labels)}
                )
            else:
                reasons.append(
                    _t(
                        "Aucune compétence de votre portefeuille n'est encore demandée dans ce métier."
                    )
                )
        clashes = sorted(
            (ref.context_labels.get(c, str(c)) for c in m.contexts & profile.avoided_contexts),
            key=normalise,
        )
        if clashes:
            reasons.append(
                ngettext(
                    "Contexte à éviter présent : %(list)s.",
                    "Contextes à éviter présents : %(list)s.",
                    len(clashes),
                )
                % {"list": _join(clashes)}
            )
        if self.missing:
            reasons.append(
                _t("Non pris en compte, faute d'éléments : %(list)s.")
                % {"list": ", ".join(str(INPUT_LABELS[k]) for k in self.missing)}
            )
        return Suggestion(
            rank=rank_,
            code_rome=m.code_rome,
            label=m.label,
            riasec=m.riasec,
            score=round(score),
            components=components,
            reasons=reasons,
            to_acquire=self._to_acquire(i),
            clashes=clashes,
            shared_centres=shared,
            held=held,
            pinned=pinned,
            pin_reason=profile.pinned.get(m.code_rome, "") if pinned else "",
        )

    def _riasec_reason(self, m: MetierFacts, reading: str, value: float) -> str:
        metier = (
            _t("%(major)s majeur, %(minor)s mineur") % {"major": m.major, "minor": m.minor}
            if m.minor
            else _t("%(major)s majeur") % {"major": m.major}
        )
        facts = {"code": reading, "metier": metier, "pct": round(100 * value)}
        if value >= 0.999:
            return (
                _t("Votre code Holland %(code)s correspond au code RIASEC du métier (%(metier)s).")
                % facts
            )
        if value >= CLOSE:
            return (
                _t(
                    "Votre code Holland %(code)s est proche du code RIASEC du métier (%(metier)s ; congruence %(pct)s %%)."
                )
                % facts
            )
        return (
            _t(
                "Votre code Holland %(code)s est éloigné du code RIASEC du métier (%(metier)s ; congruence %(pct)s %%)."
            )
            % facts
        )

    def _to_acquire(self, i: int) -> list[str]:
        """The métier's cœur de métier items not held (principal first, then emerging)."""
        held, labels = self.profile.held, self.referential.skill_labels
        missing = [c for c in self.referential.core_items(i) if c not in held][:TO_ACQUIRE]
        return [labels.get(code, str(code)) for code in missing]
