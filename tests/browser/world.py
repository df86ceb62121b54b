"""The data the browser tests walk through: real communes of the Nord and Pas-de-Calais,
three venues with typed channels, one temporarily closed, a mediator of structure A."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from directory import enums
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
    VenueFactory,
    build_hauts_de_france,
)

PASSWORD = "gardezlelien"


def build_directory_world():
    hdf = build_hauts_de_france()
    hdf.nord.contact_label = "Numérique solidaire du Nord"
    hdf.nord.contact_phone = "+33353019999"
    hdf.nord.save()
    a = StructureFactory(name="Centres sociaux de Lille", departement=hdf.nord)
    b = StructureFactory(name="Espace numérique de la Pévèle", departement=hdf.nord)
    mediatheque = VenueFactory(
        name="Médiathèque Jean Lévy",
        structure=a,
        commune=hdf.lille,
        postal_code="59000",
        latitude=50.6330,
        longitude=3.0580,
        services=[enums.Service.values[0]],
    )
    ChannelFactory(venue=mediatheque, kind=enums.ChannelKind.PHONE, value="+33353010101", label="Accueil")
    ChannelFactory(venue=mediatheque, kind=enums.ChannelKind.SMS, value="+33639980101")
    ChannelFactory(venue=mediatheque, kind=enums.ChannelKind.SIGNAGE, value="Affiche sur la porte d'entrée")
    ChannelFactory(venue=mediatheque, kind=enums.ChannelKind.EMAIL, value="mediatheque@example.org")
    centre = VenueFactory(
        name="Centre social Flers",
        structure=a,
        commune=hdf.villeneuve,
        postal_code="59650",
        latitude=50.6450,
        longitude=3.1300,
    )
    ChannelFactory(venue=centre, kind=enums.ChannelKind.PHONE, value="+33353010202")
    ChannelFactory(venue=centre, kind=enums.ChannelKind.WEBSITE, value="https://centre-flers.example.org")
    pevele = VenueFactory(
        name="Espace numérique de Cysoing",
        structure=b,
        commune=hdf.cysoing,
        postal_code="59830",
        latitude=50.5690,
        longitude=3.2160,
    )
    ChannelFactory(venue=pevele, kind=enums.ChannelKind.IN_PERSON, value="Permanence le mardi de 14h à 17h")
    ChannelFactory(venue=pevele, kind=enums.ChannelKind.WHATSAPP, value="https://wa.me/33639980303")
    today = timezone.localdate()
    ClosurePeriodFactory(
        venue=pevele,
        starts_on=today - datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=5),
        public_message="Fermé pour travaux, permanence maintenue à la mairie.",
    )
    mediator = UserFactory(username="mediatrice", email="mediatrice@example.org")
    MembershipFactory(user=mediator, structure=a)
    return SimpleNamespace(
        hdf=hdf, structures={"a": a, "b": b}, mediatheque=mediatheque, centre=centre, pevele=pevele, mediator=mediator
    )
