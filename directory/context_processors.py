from django.conf import settings


def site(request):
    from django.utils.safestring import mark_safe

    from directory.critical_css import site_stylesheet

    return {
        # Inlined and allowed by its hash (directory/critical_css.py): one round trip less.
        "SITE_CSS": mark_safe(site_stylesheet()[0]),  # noqa: S308  # nosec B308 B703  (our own static file)
        "SITE_NAME": settings.SITE_NAME,
        "FRESHNESS_THRESHOLD_DAYS": settings.FRESHNESS_THRESHOLD_DAYS,
        # Footer and home (directory/views/site.py): who runs the site, the SMS look-up number.
        "PUBLISHER_NAME": settings.PUBLISHER_NAME,
        "SMS_LOOKUP_NUMBER": settings.SMS_LOOKUP_NUMBER,
    }
