"""Deployment checks of this project (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_SECRET_LENGTH = 32


@register(Tags.security, deploy=True)
def check_sms_hash_secret(app_configs, **kwargs):
    """SMS senders are pseudonymised with HMAC(SMS_HASH_SECRET, number): the secret must be its
    own, long and random. Reusing SECRET_KEY would tie both secrets' fates (a leaked or
    predictable key — `make serve`'s is — gave back half the numbers in a second)."""
    secret = getattr(settings, "SMS_HASH_SECRET", "")
    if secret and len(secret) >= MIN_SECRET_LENGTH and secret != settings.SECRET_KEY:
        return []
    return [
        Error(
            "SMS_HASH_SECRET must be set to a dedicated random value of at least 32 characters "
            "(not DJANGO_SECRET_KEY).",
            hint='python -c "import secrets; print(secrets.token_urlsafe(48))"',
            id="directory.E001",
        )
    ]
