"""Load the demo directory: about fifty venues of the Nord and the Pas-de-Calais, their
structures, channels and closures, and four demo accounts (see docs/demo.md).

Idempotent: structures are upserted on their pivot, venues on (source, external_id); a venue's
channels and closures are replaced only when they differ from the demo data, so a second run
on the same day writes nothing. Dates are relative to today, so "closed now" stays true.

Accounts use a published password, so they are only created when ``settings.DEBUG`` is true;
otherwise the venues are loaded and the accounts skipped with a warning (``make serve`` runs
this command with DEBUG off and must not fail).
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from directory.channels import get_kind
from directory.data import demo
from directory.models import (
    Channel,
    ClosurePeriod,
    Commune,
    Departement,
    DepartementStaff,
    Membership,
    Structure,
    Venue,
)

VENUE_FIELDS = (
    "typologie",
    "itinerance",
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "dispositifs",
    "formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "opening_hours",
    "presentation_resume",
)


class Command(BaseCommand):
    help = "Charge les données de démonstration (lieux du Nord et du Pas-de-Calais, comptes de démo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-territories",
            action="store_true",
            help="Charge d'abord les communes du Nord et du Pas-de-Calais si elles manquent.",
        )
        parser.add_argument("--no-accounts", action="store_true", help="Ne crée pas les comptes de démonstration.")
        parser.add_argument(
            "--force-demo",
            action="store_true",
            help="Charge la démonstration même en production (DJANGO_DEBUG=0) : à éviter.",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_ALLOWED and not options["force_demo"]:
            raise CommandError(
                "Mode production (DJANGO_DEBUG=0) : la démonstration n'est pas chargée (lieux fictifs, comptes au "
                "mot de passe public). Pour la charger quand même : DJANGO_ALLOW_DEMO=1 ou load_demo --force-demo."
            )
        if options["with_territories"]:
            call_command("load_territories", departements="59,62", if_needed=True, no_progress=True, verbosity=0)
        communes = Commune.objects.in_bulk(list(demo.COMMUNES))
        missing = sorted(set(demo.COMMUNES) - set(communes))
        if missing:
            raise CommandError(
                f"Communes introuvables ({', '.join(missing[:5])}…) : chargez d'abord les territoires avec "
                "« python manage.py load_territories » (ou relancez avec --with-territories)."
            )

        today = timezone.localdate()
        # Midnight today: "verified N days ago" stays identical across runs of the same day.
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        try:
            with transaction.atomic():
                self._load_departement_contacts()
                structures = self._load_structures()
                for spec in demo.VENUES:
                    outcome = self._load_venue(spec, structures, communes, today, midnight)
                    counts[outcome] += 1
        except ValidationError as error:
            raise CommandError(f"Données de démonstration invalides : {'; '.join(error.messages)}") from None

        self.stdout.write(
            self.style.SUCCESS(
                f"{len(demo.VENUES)} lieux de démonstration : {counts['created']} créés, "
                f"{counts['updated']} mis à jour, {counts['unchanged']} inchangés."
            )
        )
        if options["no_accounts"]:
            return
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG est désactivé : les comptes de démonstration (mot de passe public) ne sont pas créés."
                )
            )
            return
        self._load_accounts(structures)

    # --- territories and structures --------------------------------------------------------
    def _load_departement_contacts(self):
        for code, (label, phone) in demo.DEPARTEMENT_CONTACTS.items():
            Departement.objects.filter(code=code).update(
                contact_label=label, contact_phone=get_kind("phone").normalise(phone)
            )

    def _load_structures(self) -> dict[str, Structure]:
        structures = {}
        for key, spec in demo.STRUCTURES.items():
            structure, _created = Structure.objects.get_or_create(pivot=spec["pivot"], defaults={"name": spec["name"]})
            wanted = {
                "name": spec["name"],
                "kind": spec["kind"],
                "email": spec["email"],
                "departement_id": spec["departement"],
            }
            if any(getattr(structure, field) != value for field, value in wanted.items()):
                for field, value in wanted.items():
                    setattr(structure, field, value)
                structure.full_clean()
                structure.save()
            structures[key] = structure
        return structures

    # --- venues ---------------------------------------------------------------------------
    def _load_venue(self, spec, structures, communes, today, midnight) -> str:
        commune_code = spec["commune"]
        _name, commune_lat, commune_lon = demo.COMMUNES[commune_code]
        verified_days = spec.get("verified")
        closed_days = spec.get("closed_for_good")
        wanted = {
            "pivot": structures[spec["structure"]].pivot,
            "name": spec["name"],
            "structure": structures[spec["structure"]],
            "structure_parente": structures[spec["structure"]].name,
            "commune": communes[commune_code],
            "postal_code": spec["postal_code"],
            "address": spec["address"],
            "latitude": spec.get("lat", commune_lat),
            "longitude": spec.get("lon", commune_lon),
            "service_area": spec["service_area"],
            "verified_at": None if verified_days is None else midnight - datetime.timedelta(days=verified_days),
            "closed_permanently_on": None if closed_days is None else today - datetime.timedelta(days=closed_days),
        }
        wanted.update(
            {
                field: spec.get(field, [] if field not in ("opening_hours", "presentation_resume") else "")
                for field in VENUE_FIELDS
            }
        )

        venue = Venue.objects.filter(source=demo.SOURCE, external_id=spec["id"]).first()
        created = venue is None
        if created:
            venue = Venue(source=demo.SOURCE, external_id=spec["id"])
        changed = created or any(getattr(venue, field) != value for field, value in wanted.items())
        if changed:
            for field, value in wanted.items():
                setattr(venue, field, value)
            # Check constraints are enforced by PostgreSQL on save; validating them here too
            # would cost one query each (half of the load time).
            venue.full_clean(validate_constraints=False)
            venue.save()

        area = sorted(spec.get("service_area_communes", []))
        if created or sorted(venue.service_area_communes.values_list("code", flat=True)) != area:
            venue.service_area_communes.set([communes[code] for code in area])
            changed = True

        channels = [self._channel_row(row) for row in spec.get("channels", [])]
        closures = sorted(
            (
                (
                    today + datetime.timedelta(days=start),
                    None if end is None else today + datetime.timedelta(days=end),
                    reason,
                    message,
                )
                for start, end, reason, message in spec.get("closures", [])
            ),
            key=lambda c: c[0],
        )
        open_kinds = set(spec.get("open_during_closure", []))
        if created or self._current_rows(venue) != (channels, closures):
            self._replace_channels_and_closures(venue, channels, closures, open_kinds)
            changed = True
        if created:
            return "created"
        return "updated" if changed else "unchanged"

    @staticmethod
    def _channel_row(row):
        kind, value, label, *rest = row
        availability = rest[0] if rest else ""
        scenario = rest[1] if len(rest) > 1 else get_kind(kind).default_scenario
        return (str(kind), get_kind(kind).normalise(value), label, availability, int(scenario))

    @staticmethod
    def _current_rows(venue):
        channels = [
            (c.kind, c.value, c.label, c.availability, c.scenario) for c in venue.channels.order_by("position", "pk")
        ]
        closures = [
            (c.starts_on, c.ends_on, c.reason, c.public_message) for c in venue.closures.order_by("starts_on", "pk")
        ]
        return channels, sorted(closures, key=lambda c: c[0])

    @staticmethod
    def _replace_channels_and_closures(venue, channels, closures, open_kinds):
        venue.closures.all().delete()
        venue.channels.all().delete()
        saved = []
        for position, (kind, value, label, availability, scenario) in enumerate(channels):
            channel = Channel(
                venue=venue,
                kind=kind,
                value=value,
                label=label,
                availability=availability,
                scenario=scenario,
                position=position,
            )
            channel.full_clean(validate_unique=False, validate_constraints=False)
            channel.save()
            saved.append(channel)
        for starts_on, ends_on, reason, message in closures:
            closure = ClosurePeriod(
                venue=venue, starts_on=starts_on, ends_on=ends_on, reason=reason, public_message=message
            )
            closure.full_clean(validate_unique=False, validate_constraints=False)
            closure.save()
            if open_kinds:
                closure.open_channels.set([c for c in saved if c.kind in open_kinds])

    # --- accounts -------------------------------------------------------------------------
    def _load_accounts(self, structures):
        User = get_user_model()
        created_names = []
        with transaction.atomic():
            for username, spec in demo.ACCOUNTS.items():
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "email": f"{username}@gardez-le-lien.example",
                        "first_name": spec.get("first_name", ""),
                        "is_staff": True,
                        "is_superuser": spec.get("superuser", False),
                    },
                )
                if created:
                    # Only on creation: a password changed since then is left alone.
                    user.set_password(demo.PASSWORD)
                    user.save(update_fields=["password"])
                    created_names.append(username)
                if "structure" in spec:
                    Membership.objects.get_or_create(
                        user=user, structure=structures[spec["structure"]], defaults={"role": spec["role"]}
                    )
                if "departement" in spec:
                    DepartementStaff.objects.get_or_create(user=user, departement_id=spec["departement"])
        if created_names:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Comptes de démonstration créés : {', '.join(created_names)} (mot de passe « {demo.PASSWORD} »)."
                )
            )
        else:
            self.stdout.write("Comptes de démonstration déjà présents.")
