"""Template helpers of the public pages: distances and query strings."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(km):
    """``0.42`` → « 420 m », ``3.456`` → « 3,5 km », ``27.8`` → « 28 km »."""
    if km is None or km == "":
        return ""
    try:
        km = float(km)
    except (TypeError, ValueError):
        return ""
    if km < 1:
        return _("%(metres)s m") % {"metres": max(10, int(round(km * 100)) * 10)}
    if km < 10:
        return _("%(km)s km") % {"km": number_format(round(km, 1), 1)}
    return _("%(km)s km") % {"km": number_format(round(km), 0)}


@register.simple_tag(takes_context=True)
def query_without(context, *names):
    """The current query string minus ``names`` (and minus ``page``), for « remove this filter »
    links and pagination."""
    request = context["request"]
    query = request.GET.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()


@register.simple_tag
def invitations_awaiting(user):
    """Invitations the signed-in person may still accept (admin index only: one query)."""
    from directory.models import Invitation

    if not getattr(user, "is_authenticated", False):
        return []
    return list(Invitation.objects.awaiting(user).select_related("structure"))
