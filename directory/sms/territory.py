"""Venues serving a set of communes (an EPCI's, or every commune sharing a postal code).

``Venue.objects.serving(commune)`` answers for one commune; OR-ing it per commune would make
one subquery per commune (95 for the MEL), so this rebuilds the same rule over sets.
"""

from __future__ import annotations

from django.db.models import Q

from directory import enums
from directory.models import Venue


def serving_any(communes):
    """Venues whose service area includes at least one of ``communes`` (same rule as
    ``VenueQuerySet.serving``)."""
    communes = list(communes)
    codes = [c.code for c in communes]
    epcis = {c.epci_id for c in communes if c.epci_id}
    departements = {c.departement_id for c in communes}
    area = enums.ServiceArea
    condition = (
        Q(commune__in=codes)
        | Q(service_area=area.EPCI, commune__epci_id__in=epcis)
        | Q(service_area=area.DEPARTEMENT, commune__departement_id__in=departements)
        | Q(service_area=area.COMMUNES, service_area_communes__in=codes)
    )
    return Venue.objects.filter(pk__in=Venue.objects.filter(condition).values("pk"))
