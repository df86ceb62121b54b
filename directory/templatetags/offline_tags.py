from django import template
from django.urls import reverse

from directory.offline import cache_name

register = template.Library()


@register.inclusion_tag("directory/offline/_keep.html")
def keep_offline(kind: str, code: str, name: str = ""):
    """The « Garder hors ligne » block of a commune or EPCI (hidden until ``static/js/offline.js``
    finds service workers): ``kind`` is "commune" or "epci"."""
    return {
        "kind": kind,
        "code": code,
        "name": name,
        "cache": cache_name(kind, code),
        "pack_url": reverse("directory:offline_pack", kwargs={"kind": kind, "code": code}),
    }
