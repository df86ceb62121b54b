from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "FRESHNESS_THRESHOLD_DAYS": settings.FRESHNESS_THRESHOLD_DAYS,
        # Footer and home (directory/views/site.py): who runs the site, the SMS look-up number.
        "PUBLISHER_NAME": settings.PUBLISHER_NAME,
        "SMS_LOOKUP_NUMBER": settings.SMS_LOOKUP_NUMBER,
    }
