"""``{% venue_share_links venue scenario today %}``: the venue page's « Envoyer » block, built
from what the page's one query already read (``sheet_channels``, ``listed_closures``)."""

from django import template
from django.conf import settings

from directory.channels import display_phone
from directory.models import Departement
from directory.share import venue_message

register = template.Library()


@register.inclusion_tag("directory/share/_venue_links.html")
def venue_share_links(venue, scenario, today):
    value = int(scenario) if scenario else None
    return {"venue": venue, "scenario": scenario, "message": venue_message(venue, today=today, scenario=value)}


@register.inclusion_tag("directory/share/_offline_tools.html")
def offline_tools(commune, departement_code, has_results):
    """On a list page: the paper sheet of the chosen commune and the SMS look-up number; on an
    empty result, the département's contact (read here, only then: one small query)."""
    departement = None
    code = getattr(commune, "departement_id", None) or (departement_code or "")
    if not has_results and code:
        departement = Departement.objects.filter(code=str(code).upper()).first()
    contact_phone = display_phone(departement.contact_phone) if departement and departement.contact_phone else ""
    return {
        "commune": commune,
        "departement": departement,
        "contact_phone": contact_phone,
        "contact_href": f"tel:{departement.contact_phone}" if contact_phone else "",
        "has_results": has_results,
        "fallback_contact": settings.SMS_FALLBACK_CONTACT,
        "sms_lookup_number": settings.SMS_LOOKUP_NUMBER,
    }
