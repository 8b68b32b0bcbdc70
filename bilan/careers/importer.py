"""Import of the ROME 4.0 referential from France Travail's open-data CSV export.

`import_rome(source)` reads a folder, a .zip of the export (files may sit in a subfolder) or the
http(s) URL of such a zip, and brings the referential tables to exactly what the files say:

1. **parse and validate everything first**, with the `csv` module (every field is quoted and some
   hold commas and line breaks), UTF-8 per file (a BOM is tolerated); headers are checked against
   the columns we read, every row's field count, integer codes, RIASEC letters, lengths and every
   code that must resolve (métier, compétence, savoir, contexte, centre, secteur). Any problem
   raises `RomeImportError` naming the file and the line where the record starts;
2. then **write in one transaction**: each table is compared with the database on its natural key
   (ROME's own codes; `(métier, item)` for links) and only what differs is created, updated or
   deleted, in bulk. Running the same files twice changes no row.

Each successful import records a new `RomeVersion` (number, title and date from `version.txt`,
source, counts, changes per table) and makes it the current one — a re-import of the same
version therefore adds a row to the import history with zero changes. A failed import writes
nothing: the previous referential and current version stay as they were.

NAF sectors (`unix_arborescence_secteur_naf_*`, latin-1) and thèmes are not imported: the
product has no use for them yet.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import connections, models, router, transaction

from bilan.careers.models import (
    Appellation,
    CentreInteret,
    Competence,
    CompetenceCategory,
    ContexteTravail,
    CoreLevel,
    DomaineProfessionnel,
    GrandDomaine,
    Metier,
    MetierCentreInteret,
    MetierCompetence,
    MetierContexte,
    MetierSavoir,
    MetierSecteur,
    Mobilite,
    RomeVersion,
    Savoir,
    SecteurActivite,
)

DOWNLOAD_TIMEOUT = 60  # seconds, per network operation
DOWNLOAD_MAX_BYTES = 500 * 1024 * 1024
BATCH_SIZE = 2000
RIASEC = frozenset("RIASEC")
SMALL_INT = 32767  # PositiveSmallIntegerField


class RomeImportError(Exception):
    """Why an import was refused, in French, naming the file and line when there is one."""


# --- The files we read, and the columns we need from each -----------------------------------

FILES: dict[str, tuple[str, ...]] = {
    "grand_domaine": ("code_grand_domaine", "libelle_grand_domaine"),
    "domaine_professionnel": ("code_domaine_professionnel", "libelle_domaine_professionnel"),
    "cr_gd_dp": ("code_rome", "code_grand_domaine", "code_domaine_professionel"),
    "referentiel_code_rome": (
        "code_rome",
        "code_fiche_metier",
        "code_ogr",
        "libelle_rome",
        "transition_eco",
        "transition_num",
        "transition_demo",
        "emploi_reglemente",
        "emploi_cadre",
        "code_rome_parent",
    ),
    "referentiel_code_rome_riasec": ("code_rome", "riasec_majeur", "riasec_mineur"),
    "texte": ("code_rome", "libelle_type_texte", "position_phrase", "libelle_texte"),
    "referentiel_appellation": (
        "code_ogr",
        "libelle_appellation_long",
        "libelle_appellation_court",
        "code_rome",
        "emploi_reglemente",
        "emploi_cadre",
        "classification",
        "peu_usite",
    ),
    "referentiel_competence": (
        "code_ogr",
        "nature",
        "libelle_competence",
        "definition",
        "code_ogr_macro_comp",
        "cat_comp",
        "sous_cat_comp",
    ),
    "referentiel_macro_competence_riasec": ("code_ogr", "riasec_majeur", "riasec_mineur"),
    "referentiel_savoir": (
        "code_ogr_savoir",
        "libelle_savoir",
        "categorie_savoir",
        "sous_categorie_savoir",
    ),
    "referentiel_contexte_travail": (
        "code_ogr",
        "libelle_cont_travail",
        "code_type_cont_trav",
        "libelle_type_cont_trav",
    ),
    "centre_interet": (
        "code_centre_interet",
        "libelle_centre_interet",
        "definition_centre_interet",
    ),
    "arborescence_centre_interet": ("code_centre_interet", "code_rome", "principal"),
    "secteur_activite": (
        "code_sect_activite",
        "libelle_sect_activite",
        "definition_sect_activite",
    ),
    "sous_secteur_activite": (
        "code_ss_sect_activite",
        "libelle_ss_sect_activite",
        "definition_ss_sect_activite",
        "code_sect_activite",
    ),
    "arborescence_secteur_activite": (
        "code_sect_activite",
        "code_ss_sect_activite",
        "code_rome",
        "principal",
    ),
    "rubrique_mobilite": ("code_rome", "code_rome_cible", "numero_ordre"),
    "liens_rome_referentiels": ("code_rome", "code_compo_bloc", "code_rubrique", "code_ogr"),
    "coherence_item": ("code_rome", "code_ogr", "coeur_metier"),
}

# unix_<key>_v460_utf8.csv — the "v460" part changes with the version.
FILE_PATTERN = re.compile(r"^unix_(?P<key>[a-z_]+?)_v(?P<version>\d+)_utf8\.csv$")
VERSION_FILE = "version.txt"

COMPETENCE_NATURES = {"Compétence": False, "Macro-compétence": True}
COMPETENCE_CATEGORIES = {
    "Savoir-faire": CompetenceCategory.SAVOIR_FAIRE.value,
    "Savoir-être professionnel": CompetenceCategory.SAVOIR_ETRE.value,
}
CORE_LEVELS = {
    "": CoreLevel.NONE.value,
    "Principale": CoreLevel.PRINCIPAL.value,
    "Émergente": CoreLevel.EMERGING.value,
}
TEXT_TYPES = {"definition": "definition", "acces_metier": "access"}
LINK_BLOC_COMPETENCES = "5"
LINK_BLOC_CONTEXTES = "6"
RUBRIQUES_COMPETENCE = {"1", "2"}  # savoir-faire, savoir-être professionnels
RUBRIQUE_SAVOIR = "3"


# --- Sources: a folder, a zip, a URL ---------------------------------------------------------


@dataclass
class Source:
    """The files of one export, found by their logical name whatever the version suffix."""

    label: str  # what RomeVersion.source records
    files: dict[str, tuple[str, Callable[[], IO[bytes]]]]  # key → (file name, opener)
    version_text: str | None
    version_suffix: str | None  # "460"

    def open(self, key: str) -> tuple[str, IO[bytes]]:
        try:
            name, opener = self.files[key]
        except KeyError:
            raise RomeImportError(
                f"Fichier manquant dans {self.label} : unix_{key}_v…_utf8.csv"
            ) from None
        return name, opener()


def _collect(label: str, names: dict[str, Callable[[], IO[bytes]]]) -> Source:
    """Build a Source from {file name (basename): opener}."""
    files: dict[str, tuple[str, Callable[[], IO[bytes]]]] = {}
    suffixes = set()
    version_opener = None
    for name, opener in names.items():
        if name == VERSION_FILE:
            version_opener = opener
            continue
        match = FILE_PATTERN.match(name)
        if not match or match["key"] not in FILES:
            continue
        key = match["key"]
        if key in files:
            raise RomeImportError(
                f"{label} contient deux fichiers pour « {key} » : {files[key][0]} et {name}"
            )
        files[key] = (name, opener)
        suffixes.add(match["version"])
    if not files:
        raise RomeImportError(
            f"{label} ne contient aucun fichier du ROME (unix_…_utf8.csv) : "
            "attendu le dossier ou l'archive de l'export CSV de France Travail"
        )
    version_text = None
    if version_opener is not None:
        with version_opener() as fh:
            raw = fh.read()
        try:
            version_text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            version_text = raw.decode("latin-1")
    suffix = suffixes.pop() if len(suffixes) == 1 else None
    return Source(label, files, version_text, suffix)


def _folder_source(path: Path) -> Source:
    names: dict[str, Callable[[], IO[bytes]]] = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and (file.name == VERSION_FILE or FILE_PATTERN.match(file.name)):
            if file.name in names:
                raise RomeImportError(
                    f"{path} contient deux fichiers nommés {file.name} (sous-dossiers)"
                )
            names[file.name] = lambda file=file: file.open("rb")
    return _collect(str(path), names)


def _zip_source(archive: zipfile.ZipFile, label: str) -> Source:
    names: dict[str, Callable[[], IO[bytes]]] = {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        base = info.filename.rsplit("/", 1)[-1]
        if base == VERSION_FILE or FILE_PATTERN.match(base):
            if base in names:
                raise RomeImportError(f"{label} contient deux fichiers nommés {base}")
            names[base] = lambda info=info: archive.open(info)
    return _collect(label, names)


def _download(url: str, target: IO[bytes], timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "bilan-import-rome/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            copied = 0
            while chunk := response.read(1024 * 1024):
                copied += len(chunk)
                if copied > DOWNLOAD_MAX_BYTES:
                    raise RomeImportError(
                        f"Téléchargement refusé : {url} dépasse "
                        f"{DOWNLOAD_MAX_BYTES // (1024 * 1024)} Mo"
                    )
                target.write(chunk)
    except urllib.error.HTTPError as error:
        raise RomeImportError(
            f"Téléchargement impossible de {url} : erreur HTTP {error.code}"
        ) from error
    except urllib.error.URLError as error:
        raise RomeImportError(f"Téléchargement impossible de {url} : {error.reason}") from error
    except (TimeoutError, OSError) as error:
        raise RomeImportError(f"Téléchargement impossible de {url} : {error}") from error


@contextlib.contextmanager
def open_source(source: str | Path, *, timeout: float = DOWNLOAD_TIMEOUT) -> Iterator[Source]:
    """Yield the Source for a folder, a zip file or an http(s) URL of a zip."""
    text = str(source)
    if re.match(r"^https?://", text, re.IGNORECASE):
        with tempfile.TemporaryFile(suffix=".zip") as tmp:
            _download(text, tmp, timeout)
            tmp.seek(0)
            if not zipfile.is_zipfile(tmp):
                raise RomeImportError(f"{text} n'a pas renvoyé une archive zip")
            tmp.seek(0)
            with _zip(tmp, text) as archive:
                yield _zip_source(archive, text)
        return
    path = Path(text).expanduser()
    if path.is_dir():
        yield _folder_source(path.resolve())
    elif path.is_file():
        if not zipfile.is_zipfile(path):
            raise RomeImportError(f"{path} n'est ni un dossier ni une archive zip")
        with _zip(path, str(path.resolve())) as archive:
            yield _zip_source(archive, str(path.resolve()))
    else:
        raise RomeImportError(f"Source introuvable : {path} (ni dossier, ni fichier, ni URL)")


@contextlib.contextmanager
def _zip(file: Path | IO[bytes], label: str) -> Iterator[zipfile.ZipFile]:
    """Open an archive; a damaged archive or member becomes a RomeImportError."""
    try:
        with zipfile.ZipFile(file) as archive:
            yield archive
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise RomeImportError(f"Archive zip illisible : {label} ({error})") from error


# --- Reading one file -------------------------------------------------------------------------


class Table:
    """The rows of one CSV file, as (line where the record starts, [needed columns])."""

    def __init__(self, source: Source, key: str):
        self.key = key
        self.name, raw = source.open(key)
        columns = FILES[key]
        self.rows: list[tuple[int, list[str]]] = []
        with raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            line = 1
            try:
                try:
                    header = [name.strip() for name in next(reader)]
                except StopIteration:
                    raise self.error(1, "fichier vide, en-tête absent") from None
                index = {name: i for i, name in enumerate(header)}
                missing = [c for c in columns if c not in index]
                if missing:
                    raise self.error(
                        1,
                        "colonne(s) manquante(s) dans l'en-tête : " + ", ".join(missing),
                    )
                picks = [index[c] for c in columns]
                width = len(header)
                line = reader.line_num + 1
                for row in reader:
                    start, line = line, reader.line_num + 1
                    if not row:  # blank line between records
                        continue
                    if len(row) != width:
                        raise self.error(start, f"{len(row)} champ(s) au lieu de {width}")
                    self.rows.append((start, [row[i].strip() for i in picks]))
            except csv.Error as error:
                raise self.error(line, f"CSV illisible ({error})") from error
            except UnicodeDecodeError as error:
                raise RomeImportError(
                    f"{self.name} : encodage invalide, UTF-8 attendu "
                    f"(après la ligne {reader.line_num}) : {error.reason}"
                ) from error

    def error(self, line: int, message: str) -> RomeImportError:
        return RomeImportError(f"{self.name}, ligne {line} : {message}")

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return iter(self.rows)


def _int(table: Table, line: int, value: str, column: str, *, limit: int = 2**31 - 1) -> int:
    try:
        number = int(value)
    except ValueError:
        raise table.error(line, f"{column} « {value} » n'est pas un nombre entier") from None
    if not 0 <= number <= limit:
        raise table.error(line, f"{column} « {value} » hors limites (0 à {limit})")
    return number


def _yes(value: str) -> bool:
    return value.upper() == "O"


def _riasec(
    table: Table, line: int, major: str, minor: str, *, required: bool = True
) -> tuple[str, str]:
    major, minor = major.upper(), minor.upper()
    if not required and not major and not minor:
        return "", ""
    if major not in RIASEC:
        raise table.error(line, f"RIASEC majeur « {major} » absent ou invalide")
    if minor and minor not in RIASEC:
        raise table.error(line, f"RIASEC mineur « {minor} » invalide")
    return major, minor


# --- The referential as the files describe it -----------------------------------------------


@dataclass
class Desired:
    """One table's wanted state: natural key → field values, and where each row came from."""

    model: type[models.Model]
    key: tuple[str, ...]  # attnames; ("pk-field",) for tables keyed by ROME codes
    fields: tuple[str, ...]
    rows: dict[Any, tuple] = field(default_factory=dict)
    origin: dict[Any, tuple[Table, int]] = field(default_factory=dict)

    def add(self, table: Table, line: int, key: Any, values: tuple, *, what: str) -> None:
        if key in self.rows:
            raise table.error(line, f"{what} « {_show(key)} » en double")
        self.rows[key] = values
        self.origin[key] = (table, line)


def _show(key: Any) -> str:
    return " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _single(model: type[models.Model], fields: tuple[str, ...]) -> Desired:
    return Desired(model, (model._meta.pk.attname,), fields)


def parse(source: Source) -> dict[str, Desired]:
    """Read and validate every file; return the wanted state of every table."""
    out: dict[str, Desired] = {}

    # Grands domaines and domaines professionnels.
    gd = out["grands_domaines"] = _single(GrandDomaine, ("label",))
    table = Table(source, "grand_domaine")
    for line, (code, label) in table:
        if not code:
            raise table.error(line, "code de grand domaine vide")
        gd.add(table, line, code, (label,), what="grand domaine")
    dp = out["domaines"] = _single(DomaineProfessionnel, ("grand_domaine_id", "label"))
    table = Table(source, "domaine_professionnel")
    for line, (code, label) in table:
        if code[:1] not in gd.rows:
            raise table.error(line, f"domaine « {code} » : grand domaine « {code[:1]} » inconnu")
        dp.add(table, line, code, (code[:1], label), what="domaine professionnel")

    metier_domain: dict[str, str] = {}
    table = Table(source, "cr_gd_dp")
    for line, (code_rome, _grand_domaine, code_dp) in table:
        if code_dp not in dp.rows:
            raise table.error(line, f"domaine professionnel « {code_dp} » inconnu")
        metier_domain[code_rome] = code_dp

    # Métiers, their RIASEC and texts.
    riasec: dict[str, tuple[str, str]] = {}
    riasec_lines: dict[str, int] = {}
    riasec_table = Table(source, "referentiel_code_rome_riasec")
    for line, (code_rome, major, minor) in riasec_table:
        if code_rome in riasec:
            raise riasec_table.error(line, f"métier « {code_rome} » en double")
        riasec[code_rome] = _riasec(riasec_table, line, major, minor)
        riasec_lines[code_rome] = line

    table = Table(source, "referentiel_code_rome")
    metier_rows: dict[str, tuple[int, list[str]]] = {}
    for line, row in table:
        code_rome = row[0]
        if not re.fullmatch(r"[A-Z]\d{4}", code_rome):
            raise table.error(line, f"code ROME « {code_rome} » invalide")
        if code_rome in metier_rows:
            raise table.error(line, f"métier « {code_rome} » en double")
        metier_rows[code_rome] = (line, row)
    metier_table = table
    for code_rome, line in riasec_lines.items():
        if code_rome not in metier_rows:
            raise riasec_table.error(line, f"métier « {code_rome} » inconnu")

    texts: dict[str, dict[str, list[tuple[int, str]]]] = {}
    table = Table(source, "texte")
    for line, (code_rome, kind, position, sentence) in table:
        if code_rome not in metier_rows:
            raise table.error(line, f"métier « {code_rome} » inconnu")
        if kind not in TEXT_TYPES:
            continue
        texts.setdefault(code_rome, {}).setdefault(TEXT_TYPES[kind], []).append(
            # The export doubles apostrophes in texts only (« l''infirmier »): undo it.
            (_int(table, line, position, "position_phrase"), sentence.replace("''", "'"))
        )

    metiers = out["metiers"] = _single(
        Metier,
        (
            "code_ogr",
            "code_fiche",
            "label",
            "domaine_id",
            "riasec_major",
            "riasec_minor",
            "definition",
            "access",
            "transition_eco",
            "transition_num",
            "transition_demo",
            "regulated",
            "cadre",
            "code_rome_parent",
        ),
    )
    ogr_seen: dict[int, str] = {}
    for code_rome, (line, row) in metier_rows.items():
        _, fiche, ogr, label, eco, num, demo, regulated, cadre, parent = row
        code_ogr = _int(metier_table, line, ogr, "code_ogr")
        if code_ogr in ogr_seen:
            raise metier_table.error(line, f"code_ogr « {ogr} » déjà pris par {ogr_seen[code_ogr]}")
        ogr_seen[code_ogr] = code_rome
        domaine = metier_domain.get(code_rome) or code_rome[:3]
        if domaine not in dp.rows:
            raise metier_table.error(line, f"domaine professionnel de « {code_rome} » inconnu")
        if code_rome not in riasec:
            raise metier_table.error(
                line, f"métier « {code_rome} » sans RIASEC dans {riasec_table.name}"
            )
        text = texts.get(code_rome, {})
        metiers.add(
            metier_table,
            line,
            code_rome,
            (
                code_ogr,
                fiche,
                label,
                domaine,
                *riasec[code_rome],
                "\n".join(s for _, s in sorted(text.get("definition", []), key=_first)),
                "\n".join(s for _, s in sorted(text.get("access", []), key=_first)),
                eco,
                _yes(num),
                _yes(demo),
                _yes(regulated),
                _yes(cadre),
                parent,
            ),
            what="métier",
        )

    def metier_of(table: Table, line: int, code_rome: str) -> str:
        if code_rome not in metiers.rows:
            raise table.error(line, f"métier « {code_rome} » inconnu")
        return code_rome

    # Appellations.
    apps = out["appellations"] = _single(
        Appellation,
        ("metier_id", "label", "label_short", "principal", "rarely_used", "regulated", "cadre"),
    )
    table = Table(source, "referentiel_appellation")
    for line, (ogr, label, short, code_rome, regulated, cadre, kind, rare) in table:
        apps.add(
            table,
            line,
            _int(table, line, ogr, "code_ogr"),
            (
                metier_of(table, line, code_rome),
                label,
                short,
                kind.upper() == "PRINCIPALE",
                _yes(rare),
                _yes(regulated),
                _yes(cadre),
            ),
            what="appellation",
        )

    # Compétences, macro-compétences and the RIASEC of macro-compétences.
    comps = out["competences"] = _single(
        Competence,
        (
            "label",
            "definition",
            "macro",
            "parent_id",
            "category",
            "subcategory",
            "riasec_major",
            "riasec_minor",
        ),
    )
    table = Table(source, "referentiel_competence")
    parents: list[tuple[int, int, int]] = []  # (code, parent, line)
    comp_rows: dict[int, list[Any]] = {}
    for line, (ogr, nature, label, definition, parent, category, subcategory) in table:
        code = _int(table, line, ogr, "code_ogr")
        if nature not in COMPETENCE_NATURES:
            raise table.error(line, f"nature « {nature} » inconnue")
        if category not in COMPETENCE_CATEGORIES:
            raise table.error(line, f"catégorie « {category} » inconnue")
        parent_code = _int(table, line, parent, "code_ogr_macro_comp") if parent else None
        if parent_code is not None:
            parents.append((code, parent_code, line))
        if code in comp_rows:
            raise table.error(line, f"compétence « {code} » en double")
        comp_rows[code] = [
            label,
            definition,
            COMPETENCE_NATURES[nature],
            parent_code,
            COMPETENCE_CATEGORIES[category],
            subcategory,
            "",
            "",
            line,
        ]
    for _code, parent_code, line in parents:
        if parent_code not in comp_rows:
            raise table.error(line, f"macro-compétence « {parent_code} » inconnue")
    macro_table = Table(source, "referentiel_macro_competence_riasec")
    for line, (ogr, major, minor) in macro_table:
        code = _int(macro_table, line, ogr, "code_ogr")
        if code not in comp_rows:
            raise macro_table.error(line, f"macro-compétence « {code} » inconnue")
        comp_rows[code][6:8] = _riasec(macro_table, line, major, minor, required=False)
    for code, values in comp_rows.items():
        comps.add(table, values[-1], code, tuple(values[:-1]), what="compétence")

    # Savoirs, contextes de travail.
    savoirs = out["savoirs"] = _single(Savoir, ("label", "category", "subcategory"))
    table = Table(source, "referentiel_savoir")
    for line, (ogr, label, category, subcategory) in table:
        code = _int(table, line, ogr, "code_ogr_savoir")
        savoirs.add(table, line, code, (label, category, subcategory), what="savoir")
    contextes = out["contextes"] = _single(ContexteTravail, ("label", "type_code", "type_label"))
    table = Table(source, "referentiel_contexte_travail")
    for line, (ogr, label, type_code, type_label) in table:
        code = _int(table, line, ogr, "code_ogr")
        contextes.add(table, line, code, (label, type_code, type_label), what="contexte")

    # Centres d'intérêt and their links.
    centres = out["centres_interet"] = _single(CentreInteret, ("label", "definition"))
    table = Table(source, "centre_interet")
    for line, (code, label, definition) in table:
        centres.add(
            table,
            line,
            _int(table, line, code, "code_centre_interet", limit=SMALL_INT),
            (label, definition),
            what="centre d'intérêt",
        )
    centre_links = out["centre_links"] = Desired(
        MetierCentreInteret, ("metier_id", "centre_id"), ("principal",)
    )
    table = Table(source, "arborescence_centre_interet")
    for line, (code, code_rome, principal) in table:
        centre = _int(table, line, code, "code_centre_interet", limit=SMALL_INT)
        if centre not in centres.rows:
            raise table.error(line, f"centre d'intérêt « {code} » inconnu")
        key = (metier_of(table, line, code_rome), centre)
        centre_links.add(table, line, key, (principal.lower() == "oui",), what="lien")

    # Secteurs, sous-secteurs (parent) and links to the most precise one.
    secteurs = out["secteurs"] = _single(SecteurActivite, ("label", "definition", "parent_id"))
    table = Table(source, "secteur_activite")
    for line, (code, label, definition) in table:
        secteurs.add(table, line, code, (label, definition, None), what="secteur")
    table = Table(source, "sous_secteur_activite")
    for line, (code, label, definition, parent) in table:
        if parent not in secteurs.rows:
            raise table.error(line, f"secteur « {parent} » inconnu")
        secteurs.add(table, line, code, (label, definition, parent), what="secteur")
    secteur_links = out["secteur_links"] = Desired(
        MetierSecteur, ("metier_id", "secteur_id"), ("principal",)
    )
    table = Table(source, "arborescence_secteur_activite")
    for line, (sect, sub, code_rome, principal) in table:
        target = sub or sect
        if target not in secteurs.rows:
            raise table.error(line, f"secteur « {target} » inconnu")
        key = (metier_of(table, line, code_rome), target)
        is_principal = principal.lower() == "oui"
        if key in secteur_links.rows:  # listed twice: keep one link, principal if either is
            is_principal = is_principal or secteur_links.rows[key][0]
            secteur_links.rows[key] = (is_principal,)
            continue
        secteur_links.add(table, line, key, (is_principal,), what="lien")

    # Mobilités.
    mobilites = out["mobilites"] = Desired(Mobilite, ("source_id", "target_id"), ("order",))
    table = Table(source, "rubrique_mobilite")
    for line, (code_rome, target, order) in table:
        key = (metier_of(table, line, code_rome), metier_of(table, line, target))
        mobilites.add(
            table,
            line,
            key,
            (_int(table, line, order, "numero_ordre", limit=SMALL_INT),),
            what="mobilité",
        )

    # Métier ↔ compétences, savoirs, contextes; then the cœur de métier.
    comp_links = out["metier_competences"] = Desired(
        MetierCompetence, ("metier_id", "competence_id"), ("core",)
    )
    savoir_links = out["metier_savoirs"] = Desired(
        MetierSavoir, ("metier_id", "savoir_id"), ("core",)
    )
    ctx_links = out["metier_contextes"] = Desired(MetierContexte, ("metier_id", "contexte_id"), ())
    table = Table(source, "liens_rome_referentiels")
    for line, (code_rome, bloc, rubrique, ogr) in table:
        if bloc == LINK_BLOC_COMPETENCES:
            if rubrique in RUBRIQUES_COMPETENCE:
                target, items, what = comp_links, comps.rows, "compétence"
            elif rubrique == RUBRIQUE_SAVOIR:
                target, items, what = savoir_links, savoirs.rows, "savoir"
            else:
                raise table.error(line, f"rubrique « {rubrique} » inconnue pour le bloc 5")
        elif bloc == LINK_BLOC_CONTEXTES:
            target, items, what = ctx_links, contextes.rows, "contexte de travail"
        else:
            continue  # blocs 1 (fiche) and 2 (appellations) repeat the other files
        code = _int(table, line, ogr, "code_ogr")
        if code not in items:
            raise table.error(line, f"{what} « {ogr} » inconnu(e)")
        key = (metier_of(table, line, code_rome), code)
        if key in target.rows:
            continue  # the same link twice: one is enough
        target.add(table, line, key, ("",) if target.fields else (), what="lien")

    table = Table(source, "coherence_item")
    for line, (code_rome, ogr, core) in table:
        if core not in CORE_LEVELS:
            raise table.error(line, f"coeur_metier « {core} » inconnu")
        key = (metier_of(table, line, code_rome), _int(table, line, ogr, "code_ogr"))
        for links in (comp_links, savoir_links):
            if key in links.rows:
                links.rows[key] = (CORE_LEVELS[core],)
                break
        else:
            if key[1] not in comps.rows and key[1] not in savoirs.rows:
                if key[1] not in contextes.rows:
                    raise table.error(line, f"item « {ogr} » inconnu")

    _check_lengths(out)
    return out


def _first(pair: tuple[int, str]) -> int:
    return pair[0]


def _check_lengths(out: dict[str, Desired]) -> None:
    """A value longer than its column would fail in the database: say where it comes from."""
    for desired in out.values():
        pk = desired.model._meta.pk
        if desired.key == (pk.attname,) and isinstance(pk, models.CharField):
            for key in desired.rows:
                if len(key) > pk.max_length:
                    table, line = desired.origin[key]
                    raise table.error(line, f"code « {key} » trop long (> {pk.max_length})")
        limits = []
        for i, name in enumerate(desired.fields):
            model_field = desired.model._meta.get_field(name.removesuffix("_id"))
            if isinstance(model_field, models.CharField) and not model_field.is_relation:
                limits.append((i, name, model_field.max_length))
        for key, values in desired.rows.items():
            for i, name, limit in limits:
                if values[i] is not None and len(values[i]) > limit:
                    table, line = desired.origin[key]
                    raise table.error(line, f"{name} trop long ({len(values[i])} > {limit})")


# --- Writing: compare with the database, change only what differs -----------------------------


@dataclass
class Change:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted}


ORDER = (
    "grands_domaines",
    "domaines",
    "metiers",
    "appellations",
    "competences",
    "savoirs",
    "contextes",
    "centres_interet",
    "secteurs",
    "centre_links",
    "secteur_links",
    "mobilites",
    "metier_competences",
    "metier_savoirs",
    "metier_contextes",
)


def _sync(desired: Desired) -> tuple[Change, list[Any]]:
    """Create and update rows of one table; return the change and the pks to delete."""
    model, key, fields = desired.model, desired.key, desired.fields
    pk_name = model._meta.pk.attname
    keyed_by_pk = key == (pk_name,)
    columns = (pk_name,) if keyed_by_pk else (pk_name, *key)
    existing: dict[Any, tuple[Any, tuple]] = {}
    width = len(key)
    for row in model.objects.values_list(*columns, *fields).order_by().iterator(chunk_size=5000):
        if keyed_by_pk:
            existing[row[0]] = (row[0], tuple(row[1:]))
        else:
            existing[tuple(row[1 : 1 + width])] = (row[0], tuple(row[1 + width :]))
    change = Change()
    to_create: list[tuple] = []
    to_update = []
    for natural, values in desired.rows.items():
        current = existing.pop(natural, None)
        if current is None:
            to_create.append(((natural,) if keyed_by_pk else natural) + values)
        elif current[1] != values:
            obj = model(**{pk_name: current[0]}, **dict(zip(fields, values, strict=True)))
            to_update.append(obj)
    if to_create:
        _insert(model, (*key, *fields), to_create)
    if to_update:
        model.objects.bulk_update(to_update, list(fields), batch_size=500)
    change.created, change.updated, change.deleted = (
        len(to_create),
        len(to_update),
        len(existing),
    )
    return change, [pk for pk, _ in existing.values()]


def _insert(model: type[models.Model], attnames: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain rows (ints, strings, booleans, None): COPY on PostgreSQL, executemany on
    SQLite — without building a model instance per row (the full import inserts ~175,000).
    Other databases go through bulk_create."""
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(opts.get_field(name.removesuffix("_id")).column) for name in attnames)
    table = quote(opts.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    elif connection.vendor == "sqlite":
        placeholders = ", ".join(["%s"] * len(attnames))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH_SIZE):
                cursor.executemany(sql, rows[start : start + BATCH_SIZE])
    else:
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)


def _write(wanted: dict[str, Desired]) -> dict[str, Change]:
    changes: dict[str, Change] = {}
    deletions: list[tuple[type[models.Model], list[Any]]] = []
    for name in ORDER:
        changes[name], stale = _sync(wanted[name])
        if stale:
            deletions.append((wanted[name].model, stale))
    for model, pks in reversed(deletions):  # links first, then what they point to
        for start in range(0, len(pks), 500):
            model.objects.filter(pk__in=pks[start : start + 500]).delete()
    return changes


# --- The import ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    version: RomeVersion
    counts: dict[str, int]
    changes: dict[str, dict[str, int]]
    seconds: float

    @property
    def changed(self) -> int:
        return sum(sum(c.values()) for c in self.changes.values())


@dataclass
class VersionInfo:
    number: str
    title: str = ""
    published_on: dt.date | None = None


def parse_version(text: str | None, suffix: str | None) -> VersionInfo:
    """`version.txt`: « Numero de version : 60 », « Date de publication : 18/09/2025 »,
    « Titre/commentaire :  ROME 4.0 version 60 - 25M09 ». Without it, the file suffix
    (v460 → 60)."""
    fields: dict[str, str] = {}
    for line in (text or "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(_fold(name), value.strip())
    number = fields.get("numero de version", "")
    if not number and suffix:
        number = suffix[1:] if suffix.startswith("4") and len(suffix) > 1 else suffix
    if not number:
        raise RomeImportError(
            "Version du ROME introuvable : ni version.txt (« Numero de version : … »), "
            "ni suffixe _v4NN_ dans les noms de fichiers"
        )
    published_on = None
    if raw := fields.get("date de publication"):
        try:
            published_on = dt.datetime.strptime(raw, "%d/%m/%Y").date()
        except ValueError:
            raise RomeImportError(
                f"version.txt : date de publication « {raw} » illisible (JJ/MM/AAAA attendu)"
            ) from None
    title = fields.get("titre/commentaire", "")[:200]
    return VersionInfo(number[:20], title, published_on)


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def import_rome(source: str | Path, *, timeout: float = DOWNLOAD_TIMEOUT) -> ImportResult:
    """Import the referential from `source`; raise RomeImportError (nothing written) if refused."""
    started = time.monotonic()
    with open_source(source, timeout=timeout) as src:
        info = parse_version(src.version_text, src.version_suffix)
        wanted = parse(src)
        label = src.label
    counts = {name: len(wanted[name].rows) for name in ORDER}
    with transaction.atomic():
        changes = _write(wanted)
        RomeVersion.objects.filter(is_current=True).update(is_current=False)
        version = RomeVersion.objects.create(
            number=info.number,
            title=info.title,
            published_on=info.published_on,
            source=label[:500],
            counts=counts,
            changes={name: change.as_dict() for name, change in changes.items()},
            is_current=True,
        )
    return ImportResult(version, counts, version.changes, time.monotonic() - started)
