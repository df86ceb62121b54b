"""Pages that say who runs the site: mentions légales, the accessibility statement (RGAA form),
personal data, contact, and the open-data page listing the downloads, their schemas and the API.

Their facts come from settings (``PUBLISHER_*``, ``ACCESSIBILITY_AUDIT_DATE``, the retention
periods), so each deployment states its own publisher without editing templates.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from directory.views.opendata import DOWNLOADS, SCHEMAS


def _publisher() -> dict:
    return {
        "name": settings.PUBLISHER_NAME,
        "text": settings.PUBLISHER_TEXT,
        "email": settings.PUBLISHER_EMAIL,
        "address": settings.PUBLISHER_ADDRESS,
        "phone": settings.PUBLISHER_PHONE,
        "director": settings.PUBLISHER_DIRECTOR,
        "host": settings.HOSTING_PROVIDER,
    }


def _audit_date() -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(settings.ACCESSIBILITY_AUDIT_DATE)
    except ValueError:
        return None


@require_safe
def legal(request):
    return render(request, "directory/site/legal.html", {"publisher": _publisher(), "site_url": settings.SITE_URL})


@require_safe
def accessibility(request):
    return render(
        request,
        "directory/site/accessibility.html",
        {"publisher": _publisher(), "site_url": settings.SITE_URL, "audit_date": _audit_date()},
    )


@require_safe
def privacy(request):
    return render(
        request,
        "directory/site/privacy.html",
        {
            "publisher": _publisher(),
            "sms_retention_days": settings.SMS_TEXT_RETENTION_DAYS,
            "report_contact_retention_days": settings.REPORT_CONTACT_RETENTION_DAYS,
            "sms_rate_limit": settings.SMS_RATE_LIMIT_PER_HOUR,
        },
    )


@require_safe
def contact(request):
    return render(request, "directory/site/contact.html", {"publisher": _publisher()})


# What each download holds, in the order the page lists them.
DOWNLOAD_TEXTS = {
    "lieux.csv": (_("Tous les lieux, au standard national « Lieux de médiation numérique » v1.0.2"), "schema.json"),
    "lieux.json": (_("Les mêmes lieux en JSON"), "schema.json"),
    "lieux-enrichis.csv": (
        _("Format enrichi : canaux de contact par scénario, fermetures, zone desservie, langues parlées"),
        "gardez-le-lien-lieux.schema.json",
    ),
    "lieux-enrichis.json": (_("Le format enrichi en JSON"), "gardez-le-lien-lieux.schema.json"),
}


@require_safe
def open_data(request):
    downloads = [
        {
            "name": name,
            "format": fmt.upper(),
            "url": reverse("directory:opendata_download", kwargs={"name": name}),
            "text": DOWNLOAD_TEXTS[name][0],
            "schema_url": reverse("directory:opendata_schema", kwargs={"name": DOWNLOAD_TEXTS[name][1]}),
            "schema_name": DOWNLOAD_TEXTS[name][1],
        }
        for name, (fmt, _profile) in DOWNLOADS.items()
    ]
    return render(
        request,
        "directory/site/open_data.html",
        {
            "downloads": downloads,
            "schemas": sorted(SCHEMAS),
            "api_root": reverse("api:root"),
            "api_list": reverse("api:venue-list"),
            "api_docs": reverse("api:docs"),
            "api_schema": reverse("api:schema"),
            "site_url": settings.SITE_URL,
        },
    )
