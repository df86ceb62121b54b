"""factory_boy factories. Contact numbers come from ARCEP's ranges reserved for fiction
(03 53 01 xx xx, 06 39 98 xx xx)."""

import datetime
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from directory import enums
from directory.models import (
    Channel,
    ClosurePeriod,
    Commune,
    Departement,
    DepartementStaff,
    Epci,
    Membership,
    Region,
    Structure,
    Venue,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "32"
    name = "Hauts-de-France"


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    code = "59"
    name = "Nord"
    region = factory.SubFactory(RegionFactory)


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epci
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"2{n:08d}")
    name = factory.Sequence(lambda n: f"Communauté de communes {n}")
    kind = "CC"
    population = 10000


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"59{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    departement = factory.SubFactory(DepartementFactory)
    epci = factory.SubFactory(EpciFactory)
    postal_codes = factory.LazyAttribute(lambda o: [f"59{int(o.code[2:]) % 1000:03d}"])
    population = 1000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "gardezlelien")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Structure {n}")
    kind = enums.StructureKind.ASSOCIATION
    pivot = factory.Sequence(lambda n: f"{21590000000000 + n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)
    role = enums.MembershipRole.MEDIATOR

    class Params:
        manager = factory.Trait(role=enums.MembershipRole.MANAGER)


class DepartementStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartementStaff

    user = factory.SubFactory(UserFactory)
    departement = factory.SubFactory(DepartementFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Lieu numérique {n}")
    pivot = factory.Sequence(lambda n: f"{21590000100000 + n}")
    structure = factory.SubFactory(StructureFactory)
    commune = factory.SubFactory(CommuneFactory)
    postal_code = factory.LazyAttribute(lambda o: o.commune.postal_codes[0] if o.commune.postal_codes else "59000")
    address = factory.Sequence(lambda n: f"{n + 1} rue de la République")
    latitude = 50.63
    longitude = 3.06
    opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00"
    verified_at = factory.LazyFunction(timezone.now)
    service_area = enums.ServiceArea.EPCI

    class Params:
        # Past FRESHNESS_THRESHOLD_DAYS (180), before FRESHNESS_HIDE_AFTER_DAYS (365).
        stale = factory.Trait(verified_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=200)))
        unverified_too_long = factory.Trait(
            verified_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=400))
        )
        closed_for_good = factory.Trait(
            closed_permanently_on=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
        )


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel

    venue = factory.SubFactory(VenueFactory)
    kind = enums.ChannelKind.PHONE
    value = "+33353010000"
    scenario = None

    class Params:
        sms = factory.Trait(kind=enums.ChannelKind.SMS, value="+33639980000")
        whatsapp = factory.Trait(kind=enums.ChannelKind.WHATSAPP, value="https://chat.whatsapp.com/AbCdEfGhIj0123")
        signage = factory.Trait(kind=enums.ChannelKind.SIGNAGE, value="Affiche sur la porte d'entrée")
        in_person = factory.Trait(kind=enums.ChannelKind.IN_PERSON, value="Salle polyvalente, mardi 14h-17h")
        email = factory.Trait(kind=enums.ChannelKind.EMAIL, value="contact@exemple.fr")
        website = factory.Trait(kind=enums.ChannelKind.WEBSITE, value="https://www.exemple.fr/")
        facebook = factory.Trait(kind=enums.ChannelKind.FACEBOOK, value="https://www.facebook.com/groups/exemple")


class ClosurePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosurePeriod

    venue = factory.SubFactory(VenueFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=10))
    reason = enums.ClosureReason.WORKS
    public_message = "Fermé pour travaux, joignable par SMS au 06 39 98 00 00"


def build_hauts_de_france():
    """Real codes and names: Lille, Villeneuve-d'Ascq (MEL), Cysoing and Templeuve-en-Pévèle
    (CC Pévèle-Carembault), Arras (Pas-de-Calais)."""
    region = RegionFactory()
    nord = DepartementFactory(code="59", name="Nord", region=region)
    pdc = DepartementFactory(code="62", name="Pas-de-Calais", region=region)
    mel = EpciFactory(code="200093201", name="Métropole Européenne de Lille", kind="METRO", population=1190000)
    pevele = EpciFactory(code="200041960", name="CC Pévèle-Carembault", kind="CC", population=97000)
    cua = EpciFactory(code="200033579", name="CU d'Arras", kind="CU", population=107000)
    lille = CommuneFactory(
        code="59350",
        name="Lille",
        departement=nord,
        epci=mel,
        postal_codes=["59000", "59160", "59260", "59777", "59800"],
        population=236710,
    )
    villeneuve = CommuneFactory(
        code="59009",
        name="Villeneuve-d'Ascq",
        departement=nord,
        epci=mel,
        postal_codes=["59491", "59493", "59650"],
        population=62000,
    )
    cysoing = CommuneFactory(
        code="59168", name="Cysoing", departement=nord, epci=pevele, postal_codes=["59830"], population=4900
    )
    templeuve = CommuneFactory(
        code="59586",
        name="Templeuve-en-Pévèle",
        departement=nord,
        epci=pevele,
        postal_codes=["59242"],
        population=6100,
    )
    arras = CommuneFactory(
        code="62041", name="Arras", departement=pdc, epci=cua, postal_codes=["62000"], population=41000
    )
    return SimpleNamespace(
        region=region,
        nord=nord,
        pdc=pdc,
        mel=mel,
        pevele=pevele,
        cua=cua,
        lille=lille,
        villeneuve=villeneuve,
        cysoing=cysoing,
        templeuve=templeuve,
        arras=arras,
    )


def build_marne():
    """Reims and Châlons-en-Champagne with their real codes: the national standard's example
    file describes a venue in Reims (INSEE 51454)."""
    region = RegionFactory(code="44", name="Grand Est")
    marne = DepartementFactory(code="51", name="Marne", region=region)
    reims = CommuneFactory(
        code="51454",
        name="Reims",
        departement=marne,
        epci=EpciFactory(code="200067213", name="CU du Grand Reims", kind="CU"),
        postal_codes=["51100"],
        population=177674,
    )
    chalons = CommuneFactory(
        code="51108",
        name="Châlons-en-Champagne",
        departement=marne,
        epci=EpciFactory(code="200066876", name="CA de Châlons-en-Champagne", kind="CA"),
        postal_codes=["51000"],
        population=42971,
    )
    return SimpleNamespace(region=region, marne=marne, reims=reims, chalons=chalons)
