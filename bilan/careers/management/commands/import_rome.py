"""`python manage.py import_rome SOURCE`: import the ROME 4.0 referential from a folder, a .zip
of France Travail's CSV export, or the http(s) URL of that zip (see bilan/careers/importer.py).
Idempotent and transactional; reports counts and what changed per table."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bilan.careers.importer import DOWNLOAD_TIMEOUT, ORDER, RomeImportError, import_rome

LABELS = {
    "grands_domaines": "grands domaines",
    "domaines": "domaines professionnels",
    "metiers": "métiers",
    "appellations": "appellations",
    "competences": "compétences",
    "savoirs": "savoirs",
    "contextes": "contextes de travail",
    "centres_interet": "centres d'intérêt",
    "secteurs": "secteurs d'activité",
    "centre_links": "liens métier–centre d'intérêt",
    "secteur_links": "liens métier–secteur",
    "mobilites": "mobilités",
    "metier_competences": "liens métier–compétence",
    "metier_savoirs": "liens métier–savoir",
    "metier_contextes": "liens métier–contexte",
}


class Command(BaseCommand):
    help = "Importe le référentiel ROME 4.0 (dossier, archive zip ou URL de l'export CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="dossier, fichier .zip ou URL http(s) d'un .zip")
        parser.add_argument(
            "--timeout",
            type=float,
            default=DOWNLOAD_TIMEOUT,
            help="délai de téléchargement en secondes (URL seulement)",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            result = import_rome(str(options["source"]), timeout=float(options["timeout"]))
        except RomeImportError as error:
            raise CommandError(f"Import refusé, rien n'a été modifié. {error}") from error
        version = result.version
        self.stdout.write(
            f"{version} importée depuis {version.source} en {result.seconds:.1f} s"
            + (f" (publiée le {version.published_on:%d/%m/%Y})" if version.published_on else "")
        )
        width = max(len(label) for label in LABELS.values())
        self.stdout.write(
            f"{'table':<{width}}  {'total':>7}  {'créés':>7}  {'modifiés':>8}  {'supprimés':>9}"
        )
        for name in ORDER:
            change = result.changes[name]
            self.stdout.write(
                f"{LABELS[name]:<{width}}  {result.counts[name]:>7}  {change['created']:>7}  "
                f"{change['updated']:>8}  {change['deleted']:>9}"
            )
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"{result.changed} ligne(s) modifiée(s)."))
        else:
            self.stdout.write(self.style.SUCCESS("Aucun changement : le référentiel était à jour."))
