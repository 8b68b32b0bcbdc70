"""The fiche métier as a view-model: everything ROME says of one métier, grouped for reading.

`build_fiche(code_rome)` reads the referential (a fixed handful of queries, whatever the fiche's
size) and returns plain dataclasses the staff page, the portal page and the API all render;
`fiche_as_dict` is its JSON form. An unknown code is a 404. The referential is not bilan
content: reading a fiche is not audited.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from bilan.careers.models import CompetenceCategory, CoreLevel, Metier
from bilan.careers.referential import attribution, current_version

CODE_ROME = re.compile(r"^[A-N]\d{4}$")

RIASEC_NAMES = {
    "R": _("Réaliste"),
    "I": _("Investigateur"),
    "A": _("Artistique"),
    "S": _("Social"),
    "E": _("Entreprenant"),
    "C": _("Conventionnel"),
}
RIASEC_PLAIN = {
    "R": _("activités concrètes et pratiques : outils, machines, matériaux, travail dehors"),
    "I": _("observer, analyser, chercher à comprendre et résoudre des problèmes"),
    "A": _("s'exprimer et créer : écrire, dessiner, composer, imaginer"),
    "S": _("aider, accompagner, soigner, former, conseiller"),
    "E": _("convaincre, vendre, diriger, prendre des initiatives"),
    "C": _("organiser, classer, calculer, suivre des procédures précises"),
}
OTHER_SAVOIR_FAIRE = _("Autres savoir-faire")
OTHER_SAVOIRS = _("Autres savoirs")


@dataclass(frozen=True)
class Item:
    label: str
    core: bool = False  # cœur de métier
    emerging: bool = False  # compétence émergente


@dataclass
class Group:
    """A heading and its items; a macro-compétence linked to the métier itself is a heading
    marked cœur de métier (or émergente) like an item."""

    label: str
    items: list[Item] = field(default_factory=list)
    core: bool = False
    emerging: bool = False

    @property
    def has_core(self) -> bool:
        return self.core or any(i.core for i in self.items)


@dataclass(frozen=True)
class RiasecType:
    letter: str
    name: str
    plain: str


@dataclass(frozen=True)
class Centre:
    code: int
    label: str
    principal: bool


@dataclass(frozen=True)
class Secteur:
    code: str
    label: str
    parent: str  # the secteur of a sous-secteur, else ""
    principal: bool


@dataclass(frozen=True)
class Link:
    code_rome: str
    label: str


@dataclass(frozen=True)
class AppellationItem:
    code_ogr: int
    label: str
    principal: bool
    rarely_used: bool


@dataclass
class Fiche:
    code_rome: str
    label: str
    grand_domaine: str
    grand_domaine_code: str
    domaine: str
    domaine_code: str
    definition: list[str]
    access: list[str]
    riasec_major: RiasecType | None
    riasec_minor: RiasecType | None
    savoir_faire: list[Group]
    savoir_etre: list[Item]
    savoirs: list[Group]
    contextes: list[Group]
    centres: list[Centre]
    secteurs: list[Secteur]
    mobilites: list[Link]
    appellations: list[AppellationItem]
    regulated: bool
    cadre: bool
    transition_eco: str
    transition_num: bool
    transition_demo: bool
    rome_version: str
    attribution: str

    @property
    def core_count(self) -> int:
        """Items marked cœur de métier."""
        groups = sum(g.core for g in self.savoir_faire)
        items = [i for g in self.savoir_faire + self.savoirs for i in g.items] + self.savoir_etre
        return groups + sum(i.core for i in items)


def riasec_type(letter: str) -> RiasecType | None:
    if letter not in RIASEC_NAMES:
        return None
    return RiasecType(letter, str(RIASEC_NAMES[letter]), str(RIASEC_PLAIN[letter]))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _item(label: str, core: str) -> Item:
    return Item(label=label, core=core == CoreLevel.PRINCIPAL, emerging=core == CoreLevel.EMERGING)


def _sorted_items(items: list[Item]) -> list[Item]:
    """Cœur de métier first, then alphabetical."""
    return sorted(items, key=lambda i: (not i.core, i.label.casefold(), i.label))


def _grouped(pairs: list[tuple[str, Item]], other: str) -> list[Group]:
    """Groups by label, alphabetical, the unnamed group last; items sorted within."""
    groups: dict[str, Group] = {}
    for label, item in pairs:
        name = label or str(other)
        groups.setdefault(name, Group(name)).items.append(item)
    for g in groups.values():
        g.items = _sorted_items(g.items)
    return sorted(groups.values(), key=lambda g: (g.label == str(other), g.label.casefold()))


def get_metier(code_rome: str) -> Metier:
    """The métier of this ROME code (any case), else 404."""
    code = (code_rome or "").strip().upper()
    if not CODE_ROME.match(code):
        raise Http404(_("Ce code ROME n'existe pas."))
    try:
        return Metier.objects.select_related("domaine__grand_domaine").get(pk=code)
    except Metier.DoesNotExist:
        raise Http404(_("Ce code ROME n'existe pas.")) from None


def build_fiche(code_rome: str, *, version: Any = None) -> Fiche:
    """The fiche of this ROME code, grouped for reading; 404 when the code is unknown.
    `version`: the current RomeVersion when the caller already has it."""
    metier = get_metier(code_rome)
    version = version if version is not None else current_version()

    # A savoir-faire sits under its macro-compétence (itself often linked to the métier too);
    # one without a macro-compétence under its subcategory (Technique, Transverse…).
    savoir_faire: dict[tuple[int, str], Group] = {}
    savoir_etre: list[Item] = []
    for link in metier.competence_links.select_related("competence__parent"):
        c = link.competence
        item = _item(c.label, link.core)
        if c.category == CompetenceCategory.SAVOIR_ETRE:
            savoir_etre.append(item)
        elif c.macro:
            group = savoir_faire.setdefault((0, c.label), Group(c.label))
            group.core, group.emerging = item.core, item.emerging
        elif c.parent_id:
            savoir_faire.setdefault((0, c.parent.label), Group(c.parent.label)).items.append(item)
        else:
            name = c.subcategory or str(OTHER_SAVOIR_FAIRE)
            savoir_faire.setdefault((1, name), Group(name)).items.append(item)
    for g in savoir_faire.values():
        g.items = _sorted_items(g.items)
    savoir_faire_groups = [
        g
        for _key, g in sorted(
            savoir_faire.items(), key=lambda kv: (not kv[1].has_core, kv[0][0], kv[0][1].casefold())
        )
    ]

    savoirs = [
        (link.savoir.category, _item(link.savoir.label, link.core))
        for link in metier.savoir_links.select_related("savoir")
    ]

    contextes: dict[tuple[str, str], Group] = {}
    for link in metier.contexte_links.select_related("contexte"):
        ctx = link.contexte
        contextes.setdefault((ctx.type_code, ctx.type_label), Group(ctx.type_label)).items.append(
            Item(ctx.label)
        )
    context_groups = [
        Group(g.label, sorted(g.items, key=lambda i: i.label.casefold()))
        for _key, g in sorted(contextes.items(), key=lambda kv: (_code_order(kv[0][0]), kv[0][1]))
    ]

    centres = [
        Centre(link.centre.code, link.centre.label, link.principal)
        for link in metier.centre_links.select_related("centre").order_by(
            "-principal", "centre__code"
        )
    ]
    secteurs = [
        Secteur(
            link.secteur.code,
            link.secteur.label,
            link.secteur.parent.label if link.secteur.parent_id else "",
            link.principal,
        )
        for link in metier.secteur_links.select_related("secteur__parent").order_by(
            "-principal", "secteur__label"
        )
    ]
    mobilites = [
        Link(m.target_id, m.target.label)
        for m in metier.mobilites.select_related("target").order_by("order", "target_id")
    ]
    appellations = [
        AppellationItem(a.code_ogr, a.label, a.principal, a.rarely_used)
        for a in metier.appellations.order_by("-principal", "rarely_used", "label", "code_ogr")
    ]

    return Fiche(
        code_rome=metier.code_rome,
        label=metier.label,
        grand_domaine=metier.domaine.grand_domaine.label,
        grand_domaine_code=metier.domaine.grand_domaine_id,
        domaine=metier.domaine.label,
        domaine_code=metier.domaine_id,
        definition=_lines(metier.definition),
        access=_lines(metier.access),
        riasec_major=riasec_type(metier.riasec_major),
        riasec_minor=riasec_type(metier.riasec_minor),
        savoir_faire=savoir_faire_groups,
        savoir_etre=_sorted_items(savoir_etre),
        savoirs=_grouped(savoirs, OTHER_SAVOIRS),
        contextes=context_groups,
        centres=centres,
        secteurs=secteurs,
        mobilites=mobilites,
        appellations=appellations,
        regulated=metier.regulated,
        cadre=metier.cadre,
        transition_eco=metier.transition_eco,
        transition_num=metier.transition_num,
        transition_demo=metier.transition_demo,
        rome_version=version.number if version else "",
        attribution=attribution(version),
    )


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdecimal() else (10**6, code)


def fiche_as_dict(fiche: Fiche) -> dict[str, Any]:
    """The fiche as JSON-ready data (the API's `get_metier`)."""
    return asdict(fiche)
