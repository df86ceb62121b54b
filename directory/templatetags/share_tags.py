"""``{% venue_share_links venue scenario today %}``: the venue page's « Envoyer » block, built
from what the page's one query already read (``sheet_channels``, ``listed_closures``)."""

from django import template

from directory.share import venue_message

register = template.Library()


@register.inclusion_tag("directory/share/_venue_links.html")
def venue_share_links(venue, scenario, today):
    value = int(scenario) if scenario else None
    return {"venue": venue, "scenario": scenario, "message": venue_message(venue, today=today, scenario=value)}
