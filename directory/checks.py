"""Deployment checks of this project's own settings (``manage.py check --deploy``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

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
                id="directory.E002",
            )
        ]
    return []


@register(Tags.database)
def check_triggers_installed(app_configs=None, databases=None, **kwargs):
    """The derived tables (search words, search entries, channel kinds) are only right while
    their triggers run (``directory/models/triggers.py``). A restore without them, a
    ``pgtrigger uninstall`` or a migration not applied leaves searches silently wrong: say so
    on ``manage.py check --database default`` and before ``migrate``."""
    import pgtrigger
    from django.db import connections
    from django.db.utils import DatabaseError

    problems = []
    for alias in databases or []:
        try:
            connections[alias].ensure_connection()
            if _pending_migrations(connections[alias]):
                continue  # ``migrate`` is about to install them
        except DatabaseError:
            continue  # Django's own checks report an unreachable database
        for model, trigger in pgtrigger.registered():
            if model._meta.app_label != "directory":
                continue
            status, enabled = trigger.get_installation_status(model, database=alias)
            if status != "INSTALLED" or enabled is False:
                problems.append(
                    Warning(
                        f"Trigger {trigger.name} on {model._meta.db_table} is {status.lower()}"
                        f"{' and disabled' if enabled is False else ''} in database {alias!r}: "
                        "derived search data will drift.",
                        hint="Run `manage.py migrate`, then `manage.py rebuild_derived`.",
                        id="directory.W010",
                    )
                )
    return problems


def _pending_migrations(connection) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
