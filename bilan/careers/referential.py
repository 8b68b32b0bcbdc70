"""Where the ROME referential comes from, which version is current, and how to cite it.

- `current_version(request=None)`: the current RomeVersion (one indexed query; cached on the
  request when one is given), or None before any import;
- `attribution(version)`: the citation every ROME page shows (Licence Ouverte requires source
  and version);
- `FIXTURE_DIR` (the hand-written fixture, a dozen real métiers) and `FULL_DATA_DIR` (the full
  official export, read in place, never copied into the project);
- `import_for_demo(stdout)`: what `manage.py demo` runs.
"""

from __future__ import annotations

from io import TextIOBase
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

from bilan.careers.importer import import_rome, open_source, parse_version
from bilan.careers.models import RomeVersion

FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "rome"
FULL_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data" / "rome-4.0-v60"

_REQUEST_ATTR = "_careers_rome_version"


def current_version(request: HttpRequest | None = None) -> RomeVersion | None:
    if request is not None and hasattr(request, _REQUEST_ATTR):
        return getattr(request, _REQUEST_ATTR)
    version = RomeVersion.objects.filter(is_current=True).first()
    if request is not None:
        setattr(request, _REQUEST_ATTR, version)
    return version


def attribution(version: RomeVersion | None) -> str:
    """« Source : France Travail, ROME 4.0 version 60 — Licence Ouverte »."""
    if version is None:
        return "Source : France Travail, ROME 4.0 — Licence Ouverte"
    return f"Source : France Travail, ROME 4.0 version {version.number} — Licence Ouverte"


def full_data_present() -> bool:
    return (FULL_DATA_DIR / "unix_referentiel_code_rome_v460_utf8.csv").is_file()


def import_for_demo(stdout: TextIOBase) -> RomeVersion:
    """Import the full export when it is at hand, the test fixture otherwise, saying which;
    skip the import when that same version from the same folder is already current."""

    if full_data_present():
        folder, which = FULL_DATA_DIR, "dossier complet"
    else:
        folder, which = FIXTURE_DIR, "fixture de test"
    with open_source(folder) as source:
        info = parse_version(source.version_text, source.version_suffix)
        label = source.label
    current = current_version()
    if current is not None and current.number == info.number and current.source == label:
        stdout.write(f"Référentiel ROME : {which} {label}, version {info.number} déjà importée.\n")
        return current
    result = import_rome(folder)
    stdout.write(
        f"Référentiel ROME : {which} {label}, version {info.number} importée "
        f"({result.counts['metiers']} métiers, {result.counts['appellations']} appellations, "
        f"{result.seconds:.1f} s).\n"
    )
    return result.version
