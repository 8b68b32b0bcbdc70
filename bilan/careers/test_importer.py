"""The ROME importer on the hand-written fixture: counts, fields, links, idempotence, refusal of
broken files (named file and line, nothing changed), sources (folder, zip, URL), the command,
the attribution and the demo import."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from bilan.careers import referential
from bilan.careers.importer import RomeImportError, import_rome, parse_version
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
from bilan.careers.referential import FIXTURE_DIR

EXPECTED_COUNTS = {
    "grands_domaines": 7,
    "domaines": 9,
    "metiers": 13,
    "appellations": 65,
    "competences": 76,
    "savoirs": 35,
    "contextes": 26,
    "centres_interet": 30,
    "secteurs": 24,
    "centre_links": 39,
    "secteur_links": 28,
    "mobilites": 10,
    "metier_competences": 91,
    "metier_savoirs": 52,
    "metier_contextes": 51,
}
MODELS = {
    "grands_domaines": GrandDomaine,
    "domaines": DomaineProfessionnel,
    "metiers": Metier,
    "appellations": Appellation,
    "competences": Competence,
    "savoirs": Savoir,
    "contextes": ContexteTravail,
    "centres_interet": CentreInteret,
    "secteurs": SecteurActivite,
    "centre_links": MetierCentreInteret,
    "secteur_links": MetierSecteur,
    "mobilites": Mobilite,
    "metier_competences": MetierCompetence,
    "metier_savoirs": MetierSavoir,
    "metier_contextes": MetierContexte,
}
LIENS = "unix_liens_rome_referentiels_v460_utf8.csv"
CENTRES = "unix_centre_interet_v460_utf8.csv"
RIASEC = "unix_referentiel_code_rome_riasec_v460_utf8.csv"


def db_counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in MODELS.items()}


def snapshot() -> dict[str, list]:
    """Every referential row, to prove that a refused import changed nothing."""
    return {name: list(model.objects.order_by("pk").values()) for name, model in MODELS.items()}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the fixture folder that a test may corrupt."""
    return Path(shutil.copytree(FIXTURE_DIR, tmp_path / "rome"))


def replace_line(path: Path, number: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[number - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def refused(source: Path | str) -> str:
    with pytest.raises(RomeImportError) as info:
        import_rome(source)
    return str(info.value)


# --- What an import brings ------------------------------------------------------------------


def test_counts_and_version(rome):
    assert rome.is_current
    assert rome.number == "60"
    assert rome.title == "ROME 4.0 version 60 - 25M09"
    assert rome.published_on == dt.date(2025, 9, 18)
    assert rome.source == str(FIXTURE_DIR)
    assert rome.counts == EXPECTED_COUNTS
    assert db_counts() == EXPECTED_COUNTS
    assert all(c["created"] == EXPECTED_COUNTS[name] for name, c in rome.changes.items())
    assert referential.current_version() == rome


def test_the_fixture_covers_what_other_tests_need(rome):
    majors = set(Metier.objects.values_list("riasec_major", flat=True))
    assert majors == set("RIASEC")
    assert Metier.objects.exclude(riasec_major="").count() == 13
    linked_centres = set(MetierCentreInteret.objects.values_list("centre_id", flat=True))
    assert len(linked_centres) >= 8
    for metier in Metier.objects.all():  # one principal centre d'intérêt each
        assert metier.centre_links.filter(principal=True).count() == 1, metier
        assert 3 <= metier.appellations.count() <= 6, metier
        assert metier.appellations.filter(principal=True).count() == 1, metier
    shared = [
        c
        for c in Competence.objects.all()
        if MetierCompetence.objects.filter(competence=c).count() >= 2
    ]
    assert shared, "some compétences are shared between métiers (matching is testable)"
    clashing = {
        "Travail les week-ends et jours fériés",
        "Travail en horaires décalés",
        "Déplacements professionnels",
        "En extérieur",
        "Travail de nuit",
    }
    linked = set(MetierContexte.objects.values_list("contexte__label", flat=True))
    assert clashing <= linked


def test_a_metier_with_its_texts_and_links(rome):
    ide = Metier.objects.get(pk="J1506")
    assert ide.label == "Infirmier / Infirmière en soins généraux (IDE)"
    assert ide.code_ogr == 362
    assert ide.domaine_id == "J15"
    assert ide.domaine.grand_domaine_id == "J"
    assert ide.riasec == "SI"
    lines = ide.definition.split("\n")
    assert len(lines) == 9
    # Sentences in order; the export's doubled apostrophes are undone.
    assert lines[0].startswith("L'infirmier en soins généraux (IDE) dispense des soins")
    assert lines[-1] == "Réajuste les soins, sous la supervision du médecin"
    assert ide.access.split("\n")[0] == (
        "Cet emploi est accessible avec un Diplôme d'Etat d'Infirmier, obligatoire pour exercer."
    )
    assert "''" not in "".join(Metier.objects.values_list("definition", flat=True))

    labels = set(ide.appellations.values_list("label", flat=True))
    assert "Infirmier / Infirmière en gériatrie" in labels
    principal = ide.appellations.get(principal=True)
    assert principal.code_ogr == 15545
    assert principal.label_short == "Infirmier / Infirmière de soins généraux"
    assert principal.regulated and not principal.cadre and not principal.rarely_used

    core = dict(ide.competence_links.values_list("competence_id", "core"))
    assert core[300446] == CoreLevel.PRINCIPAL
    assert core[300490] == CoreLevel.NONE
    assert len(core) == 7
    assert ide.savoir_links.count() == 4
    contextes = set(ide.contexte_links.values_list("contexte__label", flat=True))
    assert {"Travail les week-ends et jours fériés", "Travail de nuit"} <= contextes
    assert ide.centre_links.get(principal=True).centre.label == (
        "Je souhaite prendre soin des autres"
    )
    assert list(ide.mobilites.values_list("target_id", "order")) == [("J1502", 2), ("K2111", 9)]
    secteurs = dict(ide.secteur_links.values_list("secteur_id", "principal"))
    assert secteurs == {"119": False, "85": True, "109": False}
    assert SecteurActivite.objects.get(pk="119").parent_id == "85"  # sous-secteur Médical


def test_accents_and_gendered_labels_are_kept(rome):
    educ = Metier.objects.get(pk="K1207")
    assert educ.appellations.get(principal=True).label == (
        "Educateur spécialisé / Educatrice spécialisée"
    )
    assert Appellation.objects.filter(label="Développeur / Développeuse informatique").exists()
    centre = CentreInteret.objects.get(pk=1)
    assert centre.label == "J'ai envie de créer, construire, rénover"  # commas in a field
    assert "\n" in centre.definition  # a line break in a field
    assert centre.definition.endswith("gratifiants.")


def test_competences_macros_and_savoirs(rome):
    macros = Competence.objects.filter(macro=True)
    assert macros.exists()
    child = Competence.objects.filter(macro=False).select_related("parent").first()
    assert child.parent is not None and child.parent.macro
    assert Competence.objects.filter(category=CompetenceCategory.SAVOIR_ETRE).exists()
    assert set(Competence.objects.values_list("subcategory", flat=True)) <= {
        "Technique",
        "Technique expert",
        "Transverse",
    }
    riasec_macro = Competence.objects.get(pk=300199)
    assert (riasec_macro.riasec_major, riasec_macro.riasec_minor) == ("I", "C")
    assert Competence.objects.get(pk=300292).riasec_major == ""  # blank in the real data too
    assert not Competence.objects.filter(macro=False).exclude(riasec_major="").exists()
    assert Savoir.objects.exclude(category="").count() == Savoir.objects.count()
    weekend = ContexteTravail.objects.get(pk=23376)
    assert (weekend.type_code, weekend.type_label) == ("2", "Horaires et durée du travail")


# --- Idempotence and updates ------------------------------------------------------------------


def test_a_second_import_changes_nothing(rome):
    before = snapshot()
    with CaptureQueriesContext(connection) as queries:
        second = import_rome(FIXTURE_DIR)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "careers_romeversion" not in q["sql"]
    ]
    assert writes == []
    assert second.changed == 0
    assert all(c == {"created": 0, "updated": 0, "deleted": 0} for c in second.changes.values())
    assert second.counts == EXPECTED_COUNTS
    assert snapshot() == before
    # Each import is recorded; the latest is current.
    rome.refresh_from_db()
    assert not rome.is_current
    assert second.version.is_current
    assert RomeVersion.objects.filter(is_current=True).get() == second.version
    assert referential.current_version() == second.version


def test_changes_are_applied_and_counted(rome, copy):
    replace_line(
        copy / "unix_referentiel_code_rome_v460_utf8.csv",
        2,
        '"A1202","11","8","Agent / Agente des espaces naturels","Emploi Vert","","","","","A1202"',
    )
    # Drop B1101 everywhere it appears.
    for path in copy.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        kept = [line for line in text.split("\n") if '"B1101"' not in line]
        path.write_text("\n".join(kept), encoding="utf-8")
    result = import_rome(copy)
    assert result.changes["metiers"] == {"created": 0, "updated": 1, "deleted": 1}
    assert Metier.objects.get(pk="A1202").label == "Agent / Agente des espaces naturels"
    assert not Metier.objects.filter(pk="B1101").exists()
    assert result.changes["appellations"]["deleted"] == 5
    assert not Appellation.objects.filter(metier_id="B1101").exists()
    assert not MetierCompetence.objects.filter(metier_id="B1101").exists()
    assert result.counts["metiers"] == Metier.objects.count() == 12
    # And back: the original files restore the original rows.
    back = import_rome(FIXTURE_DIR)
    assert back.changes["metiers"] == {"created": 1, "updated": 1, "deleted": 0}
    assert db_counts() == EXPECTED_COUNTS


# --- Broken files: refused, named, nothing changed -------------------------------------------


def test_an_unknown_code_in_a_link_is_refused_and_nothing_changes(rome, copy):
    before = snapshot()
    replace_line(copy / LIENS, 10, '"A1202","5","1","999999999"')
    message = refused(copy)
    assert LIENS in message
    assert "ligne 10" in message
    assert "999999999" in message
    assert snapshot() == before
    assert RomeVersion.objects.get(is_current=True) == rome
    assert RomeVersion.objects.count() == 1


def test_a_broken_file_during_a_first_import_writes_nothing(db, copy):
    replace_line(copy / RIASEC, 3, '"A1203","",""')
    message = refused(copy)
    assert message.startswith(f"{RIASEC}, ligne 3 :")
    assert "RIASEC majeur" in message
    assert Metier.objects.count() == 0
    assert RomeVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("file", "line", "content", "expected"),
    [
        (LIENS, 5, '"A1202","5","1"', "3 champ(s) au lieu de 4"),
        (LIENS, 7, '"A1202","5","1","douze"', "n'est pas un nombre entier"),
        (LIENS, 7, '"Z9999","5","1","122580"', "métier « Z9999 » inconnu"),
        (LIENS, 7, '"A1202","5","1","-4"', "« -4 » hors limites"),
        (RIASEC, 4, '"B1101","X",""', "RIASEC majeur « X »"),
        (
            "unix_rubrique_mobilite_v460_utf8.csv",
            2,
            '"A1202","A1203","40000"',
            "numero_ordre « 40000 » hors limites",
        ),
        (
            "unix_referentiel_appellation_v460_utf8.csv",
            3,
            '"10664","Doublon","Doublon","A1202","","","","","","SYNONYME","","A1202","N"',
            "appellation « 10664 » en double",
        ),
        ("unix_referentiel_code_rome_v460_utf8.csv", 2, '"A1202","11"', "champ(s) au lieu de 10"),
        (
            "unix_referentiel_savoir_v460_utf8.csv",
            3,
            '"100032","' + "x" * 501 + '","Normes et procédés","","",""',
            "label trop long (501 > 500)",
        ),
    ],
)
def test_bad_rows_name_the_file_and_line(rome, copy, file, line, content, expected):
    before = snapshot()
    replace_line(copy / file, line, content)
    message = refused(copy)
    assert message.startswith(f"{file}, ligne {line} :"), message
    assert expected in message
    assert snapshot() == before


def test_a_code_too_long_for_its_column_is_refused(rome, copy):
    path = copy / "unix_sous_secteur_activite_v460_utf8.csv"
    with path.open("a", encoding="utf-8") as fh:
        fh.write('"12345678901","Trop long","","85"\n')
    message = refused(copy)
    assert message == (
        "unix_sous_secteur_activite_v460_utf8.csv, ligne 12 : code « 12345678901 » trop long (> 10)"
    )


def test_line_numbers_count_multi_line_records(rome, copy):
    # Record 3 of the centres starts on line 10 (records 1 and 2 span four lines each).
    path = copy / CENTRES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"3","J\'ai le sens des affaires"', '"trois","x"', 1))
    message = refused(copy)
    assert message.startswith(f"{CENTRES}, ligne 10 :"), message


def test_a_missing_column_is_named(rome, copy):
    path = copy / RIASEC
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"riasec_majeur"', '"riasec_major"', 1), encoding="utf-8")
    message = refused(copy)
    assert message == (
        f"{RIASEC}, ligne 1 : colonne(s) manquante(s) dans l'en-tête : riasec_majeur"
    )


def test_a_missing_file_is_named(rome, copy):
    (copy / "unix_texte_v460_utf8.csv").unlink()
    assert "unix_texte_v…_utf8.csv" in refused(copy)


def test_a_file_that_is_not_utf8_is_refused(rome, copy):
    path = copy / RIASEC
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-8") + "é".encode("latin-1"))
    message = refused(copy)
    assert RIASEC in message and "UTF-8" in message


def test_unknown_sources_are_refused_clearly(db, tmp_path):
    assert "Source introuvable" in refused(tmp_path / "nulle-part")
    assert "aucun fichier du ROME" in refused(tmp_path)
    not_zip = tmp_path / "rome.zip"
    not_zip.write_text("pas une archive")
    assert "ni un dossier ni une archive zip" in refused(not_zip)


def test_version_file():
    info = parse_version(
        "Numero de version : 61\n\nDate de publication : 05/01/2026\n\n"
        "Titre/commentaire :  ROME 4.0 version 61 - 26M01\n",
        "461",
    )
    assert (info.number, info.title, info.published_on) == (
        "61",
        "ROME 4.0 version 61 - 26M01",
        dt.date(2026, 1, 5),
    )
    assert parse_version(None, "460").number == "60"  # no version.txt: the files' suffix
    with pytest.raises(RomeImportError, match="illisible"):
        parse_version("Numero de version : 60\nDate de publication : 31/02/2025", None)


# --- Sources: zip, URL ---------------------------------------------------------------------


def make_zip(target: Path, subfolder: str = "RefRomeCsv/") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(FIXTURE_DIR.iterdir()):
            archive.write(file, subfolder + file.name)
    return target


def test_a_zip_with_files_in_a_subfolder(db, tmp_path):
    archive = make_zip(tmp_path / "RefRomeCsv.zip")
    result = import_rome(archive)
    assert result.counts == EXPECTED_COUNTS
    assert result.version.source == str(archive)
    assert result.version.number == "60"
    assert import_rome(archive).changed == 0


def test_a_damaged_zip_is_refused_and_nothing_changes(rome, tmp_path):
    before = snapshot()
    archive = make_zip(tmp_path / "RefRomeCsv.zip", subfolder="")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(LIENS)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 60):  # damage the compressed data of one member
        data[i] ^= 0xFF
    archive.write_bytes(bytes(data))
    message = refused(archive)
    assert message.startswith("Archive zip illisible : "), message
    assert snapshot() == before


@pytest.fixture
def http_zip(tmp_path):
    """An HTTP server on 127.0.0.1 serving the fixture as /RefRomeCsv.zip (other paths 404)."""
    payload = make_zip(tmp_path / "served.zip", subfolder="").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/RefRomeCsv.zip":
                body, status = payload, 200
            elif self.path == "/page.html":
                body, status = b"<html>maintenance</html>", 200
            else:
                body, status = b"introuvable", 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_of_a_zip(db, http_zip):
    result = import_rome(f"{http_zip}/RefRomeCsv.zip")
    assert result.counts == EXPECTED_COUNTS
    assert result.version.source == f"{http_zip}/RefRomeCsv.zip"


def test_bad_urls_are_refused_clearly(db, http_zip):
    assert "erreur HTTP 404" in refused(f"{http_zip}/absent.zip")
    assert "n'a pas renvoyé une archive zip" in refused(f"{http_zip}/page.html")
    message = refused("http://127.0.0.1:9/RefRomeCsv.zip")  # nothing listens on port 9
    assert message.startswith("Téléchargement impossible de http://127.0.0.1:9/RefRomeCsv.zip")
    assert RomeVersion.objects.count() == 0


# --- The command --------------------------------------------------------------------------


def test_command_reports_counts_and_changes(db):
    out = io.StringIO()
    call_command("import_rome", str(FIXTURE_DIR), stdout=out)
    text = out.getvalue()
    assert "ROME 4.0 version 60 importée depuis" in text
    assert "(publiée le 18/09/2025)" in text
    assert "métiers                             13       13         0          0" in text
    out = io.StringIO()
    call_command("import_rome", str(FIXTURE_DIR), stdout=out)
    assert "Aucun changement : le référentiel était à jour." in out.getvalue()


def test_command_fails_with_a_french_message(rome, copy):
    replace_line(copy / LIENS, 10, '"A1202","5","1","999999999"')
    with pytest.raises(CommandError) as info:
        call_command("import_rome", str(copy), stdout=io.StringIO())
    assert str(info.value).startswith("Import refusé, rien n'a été modifié.")
    assert f"{LIENS}, ligne 10" in str(info.value)
    with pytest.raises(CommandError, match="Source introuvable"):
        call_command("import_rome", "/nulle/part", stdout=io.StringIO())


# --- Attribution, current version, demo ---------------------------------------------------------


def test_attribution_tag(db, rf):
    template = Template("{% load careers %}{% rome_attribution %}")
    assert referential.current_version() is None
    assert "Source : France Travail, ROME 4.0 — Licence Ouverte" in template.render(Context())
    version = import_rome(FIXTURE_DIR).version
    request = rf.get("/")
    html = template.render(Context({"request": request}))
    assert html == (
        '<p class="rome-attribution">'
        "Source : France Travail, ROME 4.0 version 60 — Licence Ouverte</p>"
    )
    assert referential.current_version(request) == version  # cached on the request
    stored = Template('{% load careers %}{% rome_attribution "59" %}').render(Context())
    assert "ROME 4.0 version 59 — Licence Ouverte" in stored
    assert referential.attribution(version) == (
        "Source : France Travail, ROME 4.0 version 60 — Licence Ouverte"
    )


def test_paths():
    assert FIXTURE_DIR.is_dir()
    assert referential.FULL_DATA_DIR.parts[-3:] == ("shared", "data", "rome-4.0-v60")


def test_demo_import_falls_back_to_the_fixture_and_skips_a_second_time(db, monkeypatch, tmp_path):
    monkeypatch.setattr(referential, "FULL_DATA_DIR", tmp_path / "absent")
    out = io.StringIO()
    version = referential.import_for_demo(out)
    assert out.getvalue().startswith("Référentiel ROME : fixture de test ")
    assert "version 60 importée (13 métiers" in out.getvalue()
    assert version.is_current
    out = io.StringIO()
    assert referential.import_for_demo(out) == version
    assert "déjà importée" in out.getvalue()
    assert RomeVersion.objects.count() == 1
