from directory.models.channels import Channel, ChannelCheck
from directory.models.listing import VenueNameBucket
from directory.models.people import DepartementStaff, Invitation, Membership
from directory.models.reports import FreshnessReminder, Report, SmsExchange
from directory.models.search import SearchWord, VenueSearchEntry
from directory.models.territories import Commune, CommuneAlias, Departement, Epci, Region
from directory.models.venues import ClosurePeriod, Structure, Venue

__all__ = [
    "Channel",
    "ChannelCheck",
    "ClosurePeriod",
    "Commune",
    "CommuneAlias",
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
    "Venue",
    "VenueNameBucket",
    "VenueSearchEntry",
]
