"""Scan the whole directory for likely duplicates (``directory/duplicates.py``)."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from directory.duplicates import refresh_directory


class Command(BaseCommand):
    help = _("Cherche les doublons probables dans tout l'annuaire et met à jour la liste proposée au personnel.")

    def handle(self, *args, **options):
        start = time.monotonic()
        counts = refresh_directory()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "%(found)s doublons probables (%(created)s nouveaux, %(updated)s mis à jour, "
                    "%(dropped)s retirés) en %(seconds).1f s."
                )
                % {**counts, "seconds": time.monotonic() - start}
            )
        )
