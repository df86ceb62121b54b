"""``manage.py import_lieux FILE``: import a « Lieux de médiation numérique » file."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directory.opendata.importer import import_file


class Command(BaseCommand):
    help = (
        "Importe un fichier du standard « Lieux de médiation numérique » (CSV ou JSON, v1.0.2 ou v0.1). "
        "Toutes les lignes sont vérifiées d'abord : à la moindre erreur, rien n'est écrit."
    )
    # The system checks import every URL module (the API schema views, QR codes…): seconds
    # of start-up for a command run by cron, which `manage.py check` covers at deploy time.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV (virgule ou point-virgule, UTF-8) ou JSON.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifier et compter sans rien écrire en base de données."
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")

    def handle(self, *args, **options):
        report = import_file(
            options["file"],
            dry_run=options["dry_run"],
            progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        for warning in report.warnings:
            self.stderr.write(_("Avertissement — %(warning)s") % {"warning": warning})
        if report.errors:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(_("%(count)s problème(s) : aucun lieu n'a été importé.") % {"count": len(report.errors)})
        self.stdout.write(self.style.SUCCESS(report.summary(options["dry_run"])))
