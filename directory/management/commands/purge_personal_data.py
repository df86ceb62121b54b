"""Forget what the personal-data page promises to forget (daily cron, idempotent):

- SMS look-ups older than ``SMS_RETENTION_DAYS`` (sender hash, query, reply);
- the contact (phone or e-mail) of error reports handled more than
  ``REPORT_CONTACT_RETENTION_DAYS`` ago (the report itself stays: it is the venue's history).
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from directory import enums
from directory.models import Report, SmsExchange


class Command(BaseCommand):
    help = "Efface les échanges SMS et les contacts des signalements au-delà des durées annoncées."

    def handle(self, *args, **options):
        now = timezone.now()
        sms_before = now - datetime.timedelta(days=settings.SMS_RETENTION_DAYS)
        sms_count, _details = SmsExchange.objects.filter(created_at__lt=sms_before).delete()
        report_before = now - datetime.timedelta(days=settings.REPORT_CONTACT_RETENTION_DAYS)
        contacts = (
            Report.objects.filter(status=enums.ReportStatus.CLOSED, closed_at__lt=report_before)
            .exclude(contact="")
            .update(contact="")
        )
        self.stdout.write(f"{sms_count} échanges SMS effacés, {contacts} contacts de signalements effacés.")
