from directory.models.channels import Channel, ChannelCheck
from directory.models.closures import ClosurePeriod
from directory.models.duplicates import LikelyDuplicate, VenueRedirect
from directory.models.partners import PartnerKey, PartnerKeyUsage
from directory.models.people import DepartementStaff, Invitation, Membership
from directory.models.ratelimits import RateCounter
from directory.models.reports import FreshnessReminder, Report, SmsExchange
from directory.models.search import SearchWord, VenueSearchEntry
from directory.models.structures import Structure
from directory.models.suggestions import Suggestion
from directory.models.territories import Commune, CommuneAlias, Departement, Epci, Region
from directory.models.venues import Venue

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
    "LikelyDuplicate",
    "Membership",
    "PartnerKey",
    "PartnerKeyUsage",
    "RateCounter",
    "Region",
    "Report",
    "SearchWord",
    "SmsExchange",
    "Structure",
    "Suggestion",
    "Venue",
    "VenueRedirect",
    "VenueSearchEntry",
]
