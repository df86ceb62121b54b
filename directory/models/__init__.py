from directory.models.channels import Channel
from directory.models.listing import VenueNameBucket
from directory.models.people import DepartementStaff, Invitation, Membership
from directory.models.ratelimits import RateCounter
from directory.models.reports import FreshnessReminder, Report, SmsExchange
from directory.models.search import SearchWord, VenueSearchEntry
from directory.models.territories import Commune, Departement, Epci, Region
from directory.models.venues import ClosurePeriod, Structure, Venue

__all__ = [
    "Channel",
    "ClosurePeriod",
    "Commune",
    "Departement",
    "DepartementStaff",
    "Epci",
    "FreshnessReminder",
    "Invitation",
    "Membership",
    "RateCounter",
    "Region",
    "Report",
    "SearchWord",
    "SmsExchange",
    "Structure",
    "Venue",
    "VenueNameBucket",
    "VenueSearchEntry",
]
