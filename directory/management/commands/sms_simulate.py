"""Print the reply a resident would get for an SMS, without a gateway and without logging."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from directory.sms import gsm7
from directory.sms.reply import build_reply


class Command(BaseCommand):
    help = 'Affiche la réponse qu\'un habitant recevrait pour ce SMS (ex. : sms_simulate "59000").'

    def add_arguments(self, parser):
        parser.add_argument("text", help="Texte du SMS reçu, par exemple un code postal ou un nom de commune.")
        parser.add_argument("--verbose", action="store_true", help="Affiche aussi le nombre de SMS.")

    def handle(self, *args, text, verbose=False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            reply = build_reply(text)
        self.stdout.write(reply.text)
        if verbose or options.get("verbosity", 1) > 1:
            self.stderr.write(
                f"{len(reply.text)} caractères, {gsm7.septets(reply.text)} septets, "
                f"{gsm7.segments(reply.text)} SMS, {reply.venues_count} lieu(x)"
            )
