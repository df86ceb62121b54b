"""Daily: check every web channel and phone number (directory/channel_checks.py)."""

from django.core.management.base import BaseCommand

from directory.channel_checks import CHECKED_KINDS, check_channels
from directory.models import Channel


class Command(BaseCommand):
    help = "Vérifie les liens (sites, Facebook, vidéos, formations, invitations WhatsApp) et les numéros."

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=None, help="Requêtes simultanées (8 par défaut).")
        parser.add_argument("--timeout", type=float, default=None, help="Délai par requête, en secondes.")
        parser.add_argument("--kind", action="append", choices=sorted(CHECKED_KINDS), help="Seulement ces types.")

    def handle(self, *args, **options):
        kinds = options["kind"] or sorted(CHECKED_KINDS)
        channels = Channel.objects.filter(kind__in=kinds).only("pk", "kind", "value").order_by("pk")
        counts = check_channels(channels.iterator(chunk_size=2000), options["concurrency"], options["timeout"])
        self.stdout.write(f"{counts['ok']} canaux répondent, {counts['failed']} en échec.")
