"""Forget what the personal-data page promises to forget (daily cron, idempotent): the contact
(phone or e-mail) of error reports handled more than ``REPORT_CONTACT_RETENTION_DAYS`` ago. The
report itself stays: it is the venue's history. (SMS texts are erased by ``maintain_directory``
after ``SMS_TEXT_RETENTION_DAYS``.)
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from directory import enums
from directory.models import Report


class Command(BaseCommand):
    help = "Efface les contacts des signalements traités au-delà de la durée annoncée."

    def handle(self, *args, **options):
        before = timezone.now() - datetime.timedelta(days=settings.REPORT_CONTACT_RETENTION_DAYS)
        contacts = (
            Report.objects.filter(status=enums.ReportStatus.CLOSED, closed_at__lt=before)
            .exclude(contact="")
            .update(contact="")
        )
        self.stdout.write(f"{contacts} contacts de signalements effacés.")
