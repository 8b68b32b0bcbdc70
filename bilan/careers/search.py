"""Search of métiers by any of their appellations: an in-memory index, pure functions.

Matching, from best to worst tier (one row per métier, its best appellation shown):
  0. the query is an appellation (« infirmiere scolaire »);
  1. an appellation starts with the query (« infirmiere de b » …);
  2. every query word is a prefix of a word of the appellation, in any order (« dev info »);
  3. the same with typos: a query word of 5 to 8 letters may be 1 edit away from a whole word of
     the appellation, a word of 9 letters or more 2 edits (Damerau–Levenshtein, optimal string
     alignment: insertion, deletion, substitution, swap of two neighbours). Edit distance rather
     than trigrams: ROME words are long and typos are one or two letters, and it explains itself.
Accents, case, apostrophes and hyphens never count; nor do small words (de, d', des…), which
need not be typed. ROME's gendered labels (« Éducateur spécialisé / Éducatrice spécialisée »)
are expanded into their masculine and feminine forms, so tiers 0 and 1 work for either.
Within a tier: fewer edits, then appellations not « peu usitées », then the principal
appellation (the métier's label), then shorter labels, then alphabetical, then the code: the
order is total, so deterministic.

Filters (grand domaine or domaine professionnel, RIASEC, centre d'intérêt, contexts of work to
avoid or to require) apply to métiers. Typos are looked up with a deletion neighbourhood
(SymSpell): every word of the vocabulary is stored with its 1-deletion variants (2-deletion
ones for words of 9 letters or more), so a query word finds its near words by a few dictionary
lookups, never by a scan of the vocabulary.

No ORM here but in `load_rows` and `current_index`; everything else takes plain tuples.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from bilan.careers.models import (
    Appellation,
    Metier,
    MetierCentreInteret,
    MetierContexte,
    RomeVersion,
)

QUERY_MAX = 100  # characters kept of a query
WORDS_MAX = 8  # words of a query used for matching
DEFAULT_LIMIT = 20
LIMIT_MAX = 100
EMPTY_QUERY_LIST_MAX = 50  # métiers listed for filters without a query

EXACT, STARTS, WORDS, FUZZY = 0, 1, 2, 3

# Short words that carry no meaning alone; they never restrict word matching.
STOP_WORDS = frozenset("a au aux d de des du en et l la le les ou par pour sur un une".split())

_SAME = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae"})
_WORD = re.compile(r"[a-z0-9]+")


# ---- input rows (built by load_rows from the ORM, or from the CSV by bench/search.py) -----


class MetierRow(NamedTuple):
    code_rome: str
    label: str
    domaine: str  # "A11"; its first letter is the grand domaine
    riasec_major: str
    riasec_minor: str = ""
    centres: frozenset[int] = frozenset()
    contextes: frozenset[int] = frozenset()


class AppellationRow(NamedTuple):
    code_ogr: int
    code_rome: str
    label: str
    principal: bool = False
    rarely_used: bool = False


# ---- normalisation -------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents, œ → oe: « Éducatrice » → « educatrice »."""
    text = unicodedata.normalize("NFKD", text.translate(_SAME).casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text, folded: apostrophes, hyphens and punctuation separate words."""
    return _WORD.findall(fold(text))


def key(text: str) -> str:
    """The comparison key of a phrase: its words joined by one space."""
    return " ".join(words(text))


def gendered_forms(label: str) -> list[str]:
    """The masculine and feminine forms of a ROME label « M… / F… tail ».

    The feminine side's first words replace the masculine side's last words, as many as the
    shorter side has: « Agent administratif / Agente administrative de banque » →
    « Agent administratif de banque », « Agente administrative de banque »;
    « Artiste Plasticien / Plasticienne » → « Artiste Plasticien », « Artiste Plasticienne ».
    A label without exactly one « / » is its own only form.
    """
    parts = label.split(" / ")
    if len(parts) != 2:
        return [label]
    left, right = parts[0].split(), parts[1].split()
    if not left or not right:
        return [label]
    k = min(len(left), len(right))
    masculine = " ".join(left + right[k:])
    feminine = " ".join(left[: len(left) - k] + right)
    return [masculine, feminine] if masculine != feminine else [masculine]


# ---- typos ---------------------------------------------------------------------------------


def allowed_edits(word: str) -> int:
    n = len(word)
    return 2 if n >= 9 else 1 if n >= 5 else 0


def deletions(word: str, depth: int) -> set[str]:
    """`word` with up to `depth` letters removed (itself included)."""
    found = {word}
    for d in range(1, min(depth, len(word) - 1) + 1):
        for drop in combinations(range(len(word)), d):
            found.add("".join(c for i, c in enumerate(word) if i not in drop))
    return found


def edit_distance(a: str, b: str, cap: int) -> int:
    """Optimal string alignment distance, or `cap + 1` as soon as it exceeds `cap`."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > cap:
            return cap + 1
        before, previous = previous, current
    return previous[-1]


# ---- the index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One searchable label: an appellation, in all its gendered forms."""

    code_ogr: int
    code_rome: str
    label: str
    forms: tuple[str, ...]  # keys of the gendered forms and of the whole label, stop words out
    principal: bool
    rarely_used: bool
    length: int  # words in the shortest form


def _significant(ws: list[str]) -> list[str]:
    return [w for w in ws if w not in STOP_WORDS]


@dataclass
class Index:
    version: str
    metiers: dict[str, MetierRow]
    entries: list[Entry]
    codes: list[str]  # entry position → code_rome
    order: list[int]  # entry position → its rank among equals (see _static_rank)
    by_order: list[int]  # rank among equals → entry position
    form_keys: list[str]  # every form of every entry, sorted
    form_positions: list[int]  # … and the entry each belongs to
    vocabulary: list[str]  # sorted words
    postings: dict[str, frozenset[int]]  # word → entry positions
    neighbours: dict[str, str | tuple[str, ...]]  # a deletion variant → the word(s) it comes from
    longest: int  # letters of the longest word
    _prefix_cache: dict[str, frozenset[int]] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.entries)


def _static_rank(entry: Entry) -> tuple:
    """Between appellations of the same tier and edits: usual before « peu usité », the
    principal appellation first, shorter first, then alphabetical, then by code."""
    return (entry.rarely_used, not entry.principal, entry.length, entry.forms[0], entry.code_ogr)


def build_index(
    metiers: Iterable[MetierRow], appellations: Iterable[AppellationRow], *, version: str = ""
) -> Index:
    """The index of the appellations of these métiers (appellations of unknown métiers are
    left out)."""
    by_code = {m.code_rome: m for m in metiers}
    entries: list[Entry] = []
    postings: dict[str, set[int]] = {}
    for a in sorted(appellations, key=lambda a: a.code_ogr):
        if a.code_rome not in by_code:
            continue
        forms_words = [words(f) for f in gendered_forms(a.label)]
        keys = [" ".join(_significant(ws)) for ws in [*forms_words, words(a.label)]]
        position = len(entries)
        entries.append(
            Entry(
                code_ogr=a.code_ogr,
                code_rome=a.code_rome,
                label=a.label,
                forms=tuple(dict.fromkeys(keys)),
                principal=a.principal,
                rarely_used=a.rarely_used,
                length=min(len(ws) for ws in forms_words),
            )
        )
        for w in {w for ws in forms_words for w in ws}:
            postings.setdefault(w, set()).add(position)
    neighbours: dict[str, list[str]] = {}
    for w in postings:
        # A word needs its 2-deletions only when a query word (9 letters or more) may be 2 edits
        # away by substituting or dropping its letters, so it has 9 letters or more itself.
        if len(w) >= 3:  # a 5-letter query word 1 edit away may meet a 4-letter word
            for variant in deletions(w, 2 if len(w) >= 9 else 1):
                neighbours.setdefault(variant, []).append(w)
    by_order = sorted(range(len(entries)), key=lambda p: _static_rank(entries[p]))
    order = [0] * len(entries)
    for rank, p in enumerate(by_order):
        order[p] = rank
    forms = sorted((f, p) for p, e in enumerate(entries) for f in e.forms)
    return Index(
        version=version,
        metiers=by_code,
        entries=entries,
        codes=[e.code_rome for e in entries],
        order=order,
        by_order=by_order,
        form_keys=[f for f, _p in forms],
        form_positions=[p for _f, p in forms],
        vocabulary=sorted(postings),
        postings={w: frozenset(p) for w, p in postings.items()},
        # Most variants come from one word: a bare string spares a tuple each (memory).
        neighbours={v: ws[0] if len(ws) == 1 else tuple(ws) for v, ws in neighbours.items()},
        longest=max(map(len, postings), default=0),
    )


def _prefixed(index: Index, prefix: str) -> frozenset[int]:
    """Entries having a word that starts with `prefix` (cached: live search repeats them)."""
    found = index._prefix_cache.get(prefix)
    if found is None:
        start = bisect_left(index.vocabulary, prefix)
        hits: set[int] = set()
        for w in index.vocabulary[start:]:
            if not w.startswith(prefix):
                break
            hits.update(index.postings[w])
        found = frozenset(hits)
        if len(index._prefix_cache) > 4096:  # bounded: a few MB at most
            index._prefix_cache.clear()
        index._prefix_cache[prefix] = found
    return found


def _starting(index: Index, phrase: str) -> tuple[set[int], set[int]]:
    """Entries with a form equal to `phrase`, and those with a form starting with it."""
    exact: set[int] = set()
    starts: set[int] = set()
    i = bisect_left(index.form_keys, phrase)
    keys, positions = index.form_keys, index.form_positions
    while i < len(keys) and keys[i].startswith(phrase):
        (exact if keys[i] == phrase else starts).add(positions[i])
        i += 1
    return exact, starts - exact


def _near(index: Index, word: str) -> dict[str, int]:
    """Words of the vocabulary within the allowed edits of `word`, with their distance (> 0)."""
    cap = allowed_edits(word)
    if not cap or len(word) > index.longest + cap:  # nothing that long: spare the work
        return {}
    found: dict[str, int] = {}
    for variant in deletions(word, cap):
        sources = index.neighbours.get(variant, ())
        for candidate in (sources,) if isinstance(sources, str) else sources:
            if candidate in found or candidate == word:
                continue
            d = edit_distance(word, candidate, cap)
            if d <= cap:
                found[candidate] = d
    return found


# ---- querying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    domaine: str = ""  # a grand domaine "K" or a domaine professionnel "K21"
    riasec: str = ""  # one letter
    riasec_minor_too: bool = False  # the letter as major or minor
    centre: int | None = None
    avoid_contextes: frozenset[int] = frozenset()  # exclude métiers having any of them
    require_contextes: frozenset[int] = frozenset()  # keep métiers having all of them

    @property
    def active(self) -> bool:
        return bool(
            self.domaine
            or self.riasec
            or self.centre is not None
            or self.avoid_contextes
            or self.require_contextes
        )

    def accept(self, m: MetierRow) -> bool:
        if self.domaine and not m.domaine.startswith(self.domaine):
            return False
        if self.riasec:
            letters = m.riasec_major + (m.riasec_minor if self.riasec_minor_too else "")
            if self.riasec not in letters:
                return False
        if self.centre is not None and self.centre not in m.centres:
            return False
        if self.avoid_contextes & m.contextes:
            return False
        return self.require_contextes <= m.contextes


class Hit(NamedTuple):
    code_rome: str
    metier_label: str
    appellation: str  # the best matching appellation
    code_ogr: int
    tier: int  # EXACT, STARTS, WORDS, FUZZY; -1 when listed by filters only
    edits: int


@dataclass(frozen=True)
class Outcome:
    query: str  # as used (trimmed, capped)
    hits: list[Hit]
    total: int  # matching métiers before the limit
    truncated: bool = False  # the query was longer than QUERY_MAX
    empty: bool = False  # no query words: filters only (or nothing)
    version: str = ""

    @property
    def messages(self) -> list[str]:
        found: list[str] = []
        if self.truncated:
            found.append(
                str(
                    _("Votre recherche a été raccourcie à %(max)s caractères.") % {"max": QUERY_MAX}
                )
            )
        if self.empty and not self.hits:
            found.append(str(_("Tapez un métier, par exemple « infirmière » ou « boulanger ».")))
        elif not self.hits:
            found.append(
                str(
                    _(
                        "Aucun métier ne correspond à « %(query)s ». Vérifiez l'orthographe, "
                        "essayez un mot plus court ou retirez des filtres."
                    )
                    % {"query": self.query}
                )
            )
        return found


def clean_query(raw: str | None) -> tuple[str, bool]:
    text = " ".join((raw or "").split())
    if len(text) > QUERY_MAX:
        return text[:QUERY_MAX].rstrip(), True
    return text, False


def search(
    index: Index,
    query: str | None,
    filters: Filters | None = None,
    *,
    limit: int = DEFAULT_LIMIT,
) -> Outcome:
    """Métiers matching `query`, best first, at most `limit` (see the module's docstring)."""
    filters = filters or Filters()
    limit = max(1, min(limit, LIMIT_MAX))
    text, truncated = clean_query(query)
    query_words = words(text)[:WORDS_MAX]
    if not query_words:
        if text:  # only punctuation or symbols: nothing can match it
            return Outcome(text, [], 0, truncated, version=index.version)
        hits, total = _listed(index, filters, limit) if filters.active else ([], 0)
        return Outcome(text, hits, total, truncated, empty=True, version=index.version)
    significant = list(dict.fromkeys(_significant(query_words) or query_words))

    # Each query word reaches the entries it prefixes, and those it meets with typos.
    exact_sets = sorted((_prefixed(index, w) for w in significant), key=len)
    fuzzy_costs: list[dict[int, int]] = []
    for w in significant:
        costs: dict[int, int] = {}
        for near, d in _near(index, w).items():
            for position in index.postings[near]:
                if costs.get(position, 99) > d:
                    costs[position] = d
        fuzzy_costs.append(costs)
    exact_sets_by_word = [_prefixed(index, w) for w in significant]

    # Every word without typo: tiers EXACT, STARTS or WORDS.
    every = set(exact_sets[0]).intersection(*exact_sets[1:])
    exact, starts = _starting(index, " ".join(significant))
    exact &= every
    starts &= every
    n = len(index.entries)
    order = index.order
    ranks = [EXACT * n + order[p] for p in exact]
    ranks += [STARTS * n + order[p] for p in starts]
    ranks += [WORDS * n + order[p] for p in every - exact - starts]

    # With typos (tier FUZZY, fewer edits first): entries each word reaches one way or another.
    fuzzy_reach = set().union(*(c.keys() for c in fuzzy_costs)) - every
    for p in fuzzy_reach:
        edits = 0
        for prefixed, costs in zip(exact_sets_by_word, fuzzy_costs, strict=True):
            if p in prefixed:
                continue
            cost = costs.get(p)
            if cost is None:
                break
            edits += cost
        else:
            ranks.append((FUZZY + min(edits, 2 * WORDS_MAX)) * n + order[p])

    codes = index.codes
    if filters.active:
        met = {codes[index.by_order[r % n]] for r in ranks}
        accepted = {c for c in met if filters.accept(index.metiers[c])}
    else:
        accepted = None
    ranks.sort()
    seen: set[str] = set()
    hits: list[Hit] = []
    for r in ranks:
        p = index.by_order[r % n]
        code = codes[p]
        if code in seen or (accepted is not None and code not in accepted):
            continue
        seen.add(code)
        if len(hits) < limit:
            tier = min(r // n, FUZZY)
            entry = index.entries[p]
            hits.append(
                Hit(
                    code_rome=code,
                    metier_label=index.metiers[code].label,
                    appellation=entry.label,
                    code_ogr=entry.code_ogr,
                    tier=tier,
                    edits=r // n - FUZZY if tier == FUZZY else 0,
                )
            )
    return Outcome(text, hits, len(seen), truncated, version=index.version)


def _listed(index: Index, filters: Filters, limit: int) -> tuple[list[Hit], int]:
    """Without a query: the métiers the filters keep, alphabetically, capped; and their count."""
    kept = sorted(
        (m for m in index.metiers.values() if filters.accept(m)),
        key=lambda m: (key(m.label), m.code_rome),
    )
    cap = min(limit, EMPTY_QUERY_LIST_MAX)
    return [Hit(m.code_rome, m.label, m.label, 0, -1, 0) for m in kept[:cap]], len(kept)


# ---- the per-process index, from the database ------------------------------------------------


def parse_filters(
    *,
    domaine: str | None = None,
    riasec: str | None = None,
    centre: str | int | None = None,
    avoid_contexte: Sequence[str | int] | str | int | None = None,
    require_contexte: Sequence[str | int] | str | int | None = None,
) -> Filters:
    """Filters from request parameters; anything malformed is ignored, never an error.
    `riasec` is a letter (the major) or « X+ » (the letter as major or minor)."""
    domaine = (domaine or "").strip().upper()
    if not re.fullmatch(r"[A-Z](\d{2})?", domaine):
        domaine = ""
    letter = (riasec or "").strip().upper()
    minor_too = letter.endswith("+")
    letter = letter.rstrip("+")
    if len(letter) != 1 or letter not in "RIASEC":
        letter, minor_too = "", False
    return Filters(
        domaine=domaine,
        riasec=letter,
        riasec_minor_too=minor_too,
        centre=_int(centre),
        avoid_contextes=_ints(avoid_contexte),
        require_contextes=_ints(require_contexte),
    )


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


def _ints(values: object) -> frozenset[int]:
    if values is None or values == "":
        return frozenset()
    if isinstance(values, (str, int)):
        values = [values]
    found = (_int(v) for v in values)  # type: ignore[union-attr]
    return frozenset(v for v in found if v is not None)


def load_rows() -> tuple[list[MetierRow], list[AppellationRow]]:
    """The current referential as plain rows (the only ORM of this module, with current_index)."""

    centres: dict[str, set[int]] = {}
    for code_rome, centre in MetierCentreInteret.objects.values_list("metier_id", "centre_id"):
        centres.setdefault(code_rome, set()).add(centre)
    contextes: dict[str, set[int]] = {}
    for code_rome, ctx in MetierContexte.objects.values_list("metier_id", "contexte_id"):
        contextes.setdefault(code_rome, set()).add(ctx)
    metiers = [
        MetierRow(
            code_rome=code,
            label=label,
            domaine=domaine,
            riasec_major=major,
            riasec_minor=minor,
            centres=frozenset(centres.get(code, ())),
            contextes=frozenset(contextes.get(code, ())),
        )
        for code, label, domaine, major, minor in Metier.objects.values_list(
            "code_rome", "label", "domaine_id", "riasec_major", "riasec_minor"
        )
    ]
    appellations = [
        AppellationRow(*row)
        for row in Appellation.objects.values_list(
            "code_ogr", "metier_id", "label", "principal", "rarely_used"
        )
    ]
    return metiers, appellations


_lock = threading.Lock()
_cached: tuple[tuple, Index] | None = None


def current_index() -> Index:
    """The index of the current ROME version, rebuilt when the current version changes
    (one indexed query per call to know which is current)."""
    global _cached

    current = (
        RomeVersion.objects.filter(is_current=True)
        .values_list("pk", "imported_at", "number")
        .first()
    )
    stamp = current[:2] if current else ()
    cached = _cached
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        if _cached is not None and _cached[0] == stamp:
            return _cached[1]
        metiers, appellations = load_rows() if current else ([], [])
        index = build_index(metiers, appellations, version=current[2] if current else "")
        _cached = (stamp, index)
        return index


def forget_index() -> None:
    """Drop the cached index (tests that import another referential in the same process)."""
    global _cached
    with _lock:
        _cached = None
