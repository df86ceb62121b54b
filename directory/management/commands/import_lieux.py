"""``manage.py import_lieux FILE``: import a « Lieux de médiation numérique » file (or the
national France Services list)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from directory.opendata.importer import import_file


class Command(BaseCommand):
    help = (
        "Importe un fichier du standard « Lieux de médiation numérique » (CSV ou JSON, v1.0.2 ou v0.1) "
        "ou la liste nationale France Services. Toutes les lignes sont vérifiées d'abord : à la moindre "
        "erreur, rien n'est écrit, sauf avec --skip-invalid (les lignes valides sont importées)."
    )
    # The system checks import every URL module (the API schema views, QR codes…): seconds
    # of start-up for a command run by cron, which `manage.py check` covers at deploy time.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier CSV (virgule ou point-virgule, UTF-8) ou JSON.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Vérifier et compter sans rien écrire en base de données."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Importer les lignes valides et refuser les autres (par défaut : tout ou rien).",
        )
        parser.add_argument(
            "--rejects",
            metavar="REJETS.csv",
            help="Écrire les lignes refusées, telles quelles, avec leur numéro de ligne et les motifs, "
            "dans ce fichier CSV (à corriger puis à importer de nouveau).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")

    def handle(self, *args, **options):
        dry_run, skip_invalid = options["dry_run"], options["skip_invalid"]
        rejects = options["rejects"]
        if rejects:
            target = Path(rejects)
            if target.resolve() == Path(options["file"]).resolve():
                raise CommandError(_("Le fichier de rejets ne peut pas être le fichier importé."))
            if not target.parent.is_dir():
                raise CommandError(
                    _("Le dossier du fichier de rejets n'existe pas : %(folder)s") % {"folder": target.parent}
                )
        report = import_file(
            options["file"],
            dry_run=dry_run,
            progress=not options["no_progress"] and options["verbosity"] > 0,
            skip_invalid=skip_invalid,
            rejects=options["rejects"],
        )
        for warning in report.warnings:
            self.stderr.write(_("Avertissement — %(warning)s") % {"warning": warning})
        if report.warnings_not_listed:
            self.stderr.write(
                _("… et %(count)s autres avertissements non listés.") % {"count": report.warnings_not_listed}
            )
        for problem in report.errors:
            self.stderr.write(str(problem))
        if report.errors_not_listed:
            self.stderr.write(_("… et %(count)s autres problèmes non listés.") % {"count": report.errors_not_listed})
        if options["rejects"] and report.rejected and not report.aborted:
            self.stderr.write(
                _("%(count)s lignes refusées écrites dans %(file)s.")
                % {"count": report.rejected, "file": options["rejects"]}
            )
        if report.error_count and (report.aborted or not skip_invalid or not report.rows):
            if dry_run:
                message = _("%(count)s problème(s) : aucun lieu ne serait importé.")
            else:
                message = _("%(count)s problème(s) : aucun lieu n'a été importé.")
            raise CommandError(message % {"count": report.error_count})
        self.stdout.write(self.style.SUCCESS(report.summary(dry_run)))
