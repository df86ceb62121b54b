"""Refill every derived table after a restore or a bulk load with triggers off
(``directory/maintenance.py``, ``rebuild_derived``)."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from directory import maintenance


class Command(BaseCommand):
    help = _(
        "Recalcule tout ce que les déclencheurs tiennent à jour (mots de recherche, entrées de recherche), "
        "puis les horaires types et les arrêts : après une restauration ou un chargement fait sans "
        "déclencheurs."
    )

    def handle(self, *args, **options):
        start = time.monotonic()
        counts = maintenance.rebuild_derived()
        self.stdout.write(
            self.style.SUCCESS(
                _("Données dérivées recalculées en %(seconds).1f s : %(words)d mots, %(entries)d entrées de recherche.")
                % {
                    "seconds": time.monotonic() - start,
                    "words": counts["search_words"],
                    "entries": counts["search_entries"],
                }
            )
        )
