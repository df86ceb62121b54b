"""Atom feed of a territory's changes (issue 19, part 4): a hub or a town hall follows the
venues of its commune, EPCI or département in any feed reader, from the same history as the
API's change feed (``directory/changes.py``)."""

import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from directory.changes import ChangeKind, changes_since, territory_level
from directory.models import Commune, Departement, Epci

FEED_DAYS = 90
FEED_ITEMS = 50
KIND_LABELS = {
    ChangeKind.CREATED: gettext_noop("Nouveau lieu"),
    ChangeKind.UPDATED: gettext_noop("Lieu mis à jour"),
    ChangeKind.REMOVED: gettext_noop("Lieu retiré de l'annuaire"),
}


class TerritoryChangesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, code):
        territory = territory_level(code)
        if territory is None:
            raise Http404(_("Territoire inconnu : code INSEE de commune, de département ou SIREN d'EPCI."))
        level, code = territory
        model = {"commune": Commune, "departement": Departement, "epci": Epci}[level]
        return {"level": level, "code": code, "name": str(model.objects.get(code=code))}

    def title(self, obj):
        return _("Lieux de médiation numérique : changements, %(name)s") % {"name": obj["name"]}

    def subtitle(self, obj):
        return _("Lieux créés, mis à jour ou retirés ces %(days)s derniers jours.") % {"days": FEED_DAYS}

    def link(self, obj):
        return reverse("directory:venue_list")

    def feed_url(self, obj):
        return reverse("directory:territory_changes", args=[obj["code"]])

    def items(self, obj):
        since = timezone.now() - datetime.timedelta(days=FEED_DAYS)
        return changes_since(since, limit=FEED_ITEMS, territory=(obj["level"], obj["code"]), newest_first=True)

    def item_title(self, item):
        return _("%(kind)s : %(name)s") % {"kind": _(KIND_LABELS[item.kind]), "name": item.name}

    def item_description(self, item):
        return _(KIND_LABELS[item.kind])

    def item_link(self, item):
        if item.kind == ChangeKind.REMOVED:
            return reverse("directory:venue_list") + f"#supprime-{item.slug}"
        return reverse("directory:venue", args=[item.slug])

    def item_guid(self, item):
        return f"{item.slug}:{item.at.isoformat()}"

    item_guid_is_permalink = False

    def item_updateddate(self, item):
        return item.at

    def item_pubdate(self, item):
        return item.at
