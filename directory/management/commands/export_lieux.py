"""``manage.py export_lieux --format csv|json``: export venues in the national standard."""

from django.core.management.base import BaseCommand

from directory.opendata.exporter import FORMATS, PROFILES, stream


class Command(BaseCommand):
    help = (
        "Exporte les lieux au format du standard « Lieux de médiation numérique » v1.0.2 "
        "(ou au format enrichi du projet avec --profile rich)."
    )
    # The system checks import every URL module (the API schema views, QR codes…): seconds
    # of start-up for a command run by cron, which `manage.py check` covers at deploy time.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv", help="csv (par défaut) ou json.")
        parser.add_argument(
            "--profile",
            choices=PROFILES,
            default="standard",
            help="standard : colonnes du standard national ; rich : avec canaux, fermetures et zones desservies.",
        )
        parser.add_argument("-o", "--output", default="-", help="Fichier de sortie (par défaut : la sortie standard).")

    def handle(self, *args, **options):
        chunks = stream(options["format"], options["profile"])
        if options["output"] == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
