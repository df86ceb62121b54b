"""System checks of the product's own settings (``manage.py check --deploy`` reports them)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

# A list of addresses to refuse, not a bind.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}  # noqa: S104  # nosec B104


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """Door posters print ``SITE_URL`` as a QR code and e-mails link to it: in production it must
    be the public address, never the development default (posters pointed to 127.0.0.1)."""
    if settings.DEBUG:
        return []
    host = urlsplit(settings.SITE_URL).hostname or ""
    if settings.SITE_URL == settings.DEFAULT_SITE_URL or host in LOCAL_HOSTS:
        return [
            Error(
                f"SITE_URL vaut « {settings.SITE_URL} » alors que DJANGO_DEBUG=0.",
                hint="Définissez SITE_URL avec l'adresse publique du site (https://…) : "
                "elle est imprimée en QR code sur les affiches et sert aux liens des e-mails.",
                id="directory.E001",
            )
        ]
    return []
