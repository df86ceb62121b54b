"""Nightly upkeep of the directory's derived tables (see ``directory/maintenance.py``)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from directory import maintenance, ratelimit
from directory.models import SmsExchange


class Command(BaseCommand):
    help = _(
        "Entretien de nuit : horaires types et arrêts recalculés, "
        "compteurs de limite expirés et textes SMS anciens effacés."
    )

    def handle(self, *args, **options):
        start = time.monotonic()
        maintenance.after_bulk_load()
        # Rate-limit windows that have ended (one row per client and limit).
        ratelimit.purge_expired()
        # What residents typed by SMS is kept for a limited time only (pseudonym included).
        SmsExchange.objects.erase_old_text(settings.SMS_TEXT_RETENTION_DAYS)
        self.stdout.write(
            self.style.SUCCESS(_("Entretien terminé en %(seconds).1f s.") % {"seconds": time.monotonic() - start})
        )
