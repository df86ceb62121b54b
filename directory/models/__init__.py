from directory.models.channels import Channel
from directory.models.listing import VenueNameBucket
from directory.models.people import DepartementStaff, Invitation, Membership
from directory.models.reports import FreshnessReminder, Report, SmsExchange
from directory.models.search import SearchWord, VenueSearchEntry
from directory.models.suggestions import Suggestion
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
    "Region",
    "Report",
    "SearchWord",
    "SmsExchange",
    "Structure",
    "Suggestion",
    "Venue",
    "VenueNameBucket",
    "VenueSearchEntry",
]
