"""Settings for Gardez le lien: one file, read from the environment.

Every variable has a safe development default so that a fresh checkout runs at once;
``DJANGO_DEBUG=0`` switches production hardening on. The README lists every variable.
"""

import os
import sys
from pathlib import Path

from corsheaders.defaults import default_headers
from django.utils.translation import gettext_lazy as _

from mediation.database import database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip() or default


TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    # Justified: DEBUG only; production refuses to start without DJANGO_SECRET_KEY (above).
    SECRET_KEY = "dev-only-insecure-key-gardez-le-lien-do-not-use-in-production"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if TESTING:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    "pgtrigger",
    "directory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "directory.middleware.RequestSizeLimitMiddleware",
    "directory.middleware.DatabaseUnavailableMiddleware",
    # Outside LocaleMiddleware: sees the response's Content-Language (directory/typography.py).
    "directory.typography.FrenchTypographyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "directory.middleware.SecurityHeadersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mediation.urls"
WSGI_APPLICATION = "mediation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "directory.context_processors.site",
            ],
        },
    },
]

# Django 6.0's default, chosen now: a URL typed without a scheme (« exemple.fr ») is read as
# https://, and the admin's URL fields stop warning. The setting itself is deprecated (it goes
# with Django 6.0); pyproject.toml silences exactly that one warning.
FORMS_URLFIELD_ASSUME_HTTPS = True

DATABASES = {"default": database_config(BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gll",
            "TIMEOUT": 300,
        }
    }
elif DEBUG or TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Production without Redis: gunicorn workers are separate processes, so the page cache and
    # its data version must be shared between them, or an edit saved by one worker would stay
    # invisible on pages cached by another (bench/run.py checks this). Several hosts need Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": envstr("DJANGO_CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Proxies in front of the app servers (load balancer, TLS terminator) that append the client's
# address to X-Forwarded-For: 0 reads REMOTE_ADDR. One setting for django-axes, the report and
# SMS limits and the API throttle (directory.ratelimit.client_ip).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)

# Login hardening (django-axes): lock a username+IP pair after 5 failures for 1 hour. With the
# client's real address (TRUSTED_PROXY_COUNT), only the attacker's address is locked out.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "directory.ratelimit.client_ip"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# The test suite runs without collectstatic: whitenoise looks files up when they are asked for
# (as with DEBUG) instead of listing a STATIC_ROOT that does not exist, and warning about it.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# The admin lives at a configurable path so it is not where scanners look first.
ADMIN_URL = envstr("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
LOGIN_URL = "admin:login"
# Where a sign-in without (or with a rejected) « next » lands: Django's default,
# /accounts/profile/, does not exist here.
LOGIN_REDIRECT_URL = "admin:index"

SITE_NAME = "Gardez le lien"
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
# Absolute links (e-mails, door posters' QR codes): required in production, see directory/checks.py.
SITE_URL = envstr("SITE_URL", DEFAULT_SITE_URL).rstrip("/")

# Product settings.
FRESHNESS_THRESHOLD_DAYS = envint("FRESHNESS_THRESHOLD_DAYS", 180)
# Automatic channel checks (manage.py check_channels, daily): a channel failing this many days
# in a row is flagged to its mediators; a single failure never hides anything.
CHANNEL_CHECK_FLAG_DAYS = envint("CHANNEL_CHECK_FLAG_DAYS", 3)
CHANNEL_CHECK_TIMEOUT_SECONDS = envint("CHANNEL_CHECK_TIMEOUT_SECONDS", 10)
CHANNEL_CHECK_CONCURRENCY = envint("CHANNEL_CHECK_CONCURRENCY", 8)
# Never fetch loopback or private addresses (a « website » must not probe our own network);
# the tests' local servers turn it on.
CHANNEL_CHECK_ALLOW_PRIVATE = envbool("CHANNEL_CHECK_ALLOW_PRIVATE", False)
# Past this many days without confirmation a venue leaves the default results (still reachable
# by its address and by staff) until someone confirms it; must exceed FRESHNESS_THRESHOLD_DAYS.
FRESHNESS_HIDE_AFTER_DAYS = envint("FRESHNESS_HIDE_AFTER_DAYS", 365)
# Reminders go this many days before each threshold (stale, then hidden).
FRESHNESS_REMINDER_DAYS_BEFORE = envint("FRESHNESS_REMINDER_DAYS_BEFORE", 14)
# Residents' reports ("Signaler une information erronée"): per client (hashed IP), per hour.
REPORT_RATE_LIMIT_PER_HOUR = envint("REPORT_RATE_LIMIT_PER_HOUR", 5)
# Invitation links are password-reset tokens: they expire after this many seconds.
PASSWORD_RESET_TIMEOUT = envint("INVITATION_TIMEOUT_DAYS", 7) * 86400
DIRECTORY_PAGE_SIZE = envint("DIRECTORY_PAGE_SIZE", 20)
# Past this many results the list says « plus de 500 lieux » instead of counting them all: a
# count reads every match (a département's thousands, with a channel condition: ``make bench
# SCALE=10``, measure ``scenario``).
DIRECTORY_COUNT_LIMIT = envint("DIRECTORY_COUNT_LIMIT", 500)
# The HTML list shows this many pages of a list at most, then asks to refine the search: people
# read the first pages, and harvesters page the API with its cursor (``/api/v1/lieux/``).
DIRECTORY_MAX_PAGES = envint("DIRECTORY_MAX_PAGES", 50)
MAP_TILE_URL = envstr("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = envstr(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
MAP_TILE_ORIGIN = envstr("MAP_TILE_ORIGIN", "https://tile.openstreetmap.org")
# Public pages are cached for anonymous visitors; the cache key carries a data version
# bumped on every write, so an edit shows at once.
PUBLIC_PAGE_CACHE_SECONDS = envint("PUBLIC_PAGE_CACHE_SECONDS", 0 if DEBUG else 60)

# E-mail: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Gardez le lien <ne-pas-repondre@gardezlelien.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# REST API.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # The venue endpoints use directory.api.throttling.ApiThrottle (atomic counters in
    # PostgreSQL); this default covers the schema and its documentation pages.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    # DRF's own client address (the default throttle): the same trusted proxies as everywhere.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {"anon": envstr("API_RATE_LIMIT", "600/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gardez le lien — API publique",
    "DESCRIPTION": "Lieux de médiation numérique, leurs canaux de contact et leur statut d'ouverture.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN, and the
    # CSP's script-src 'self' holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0, "tryItOutEnabled": True},
    "ENUM_NAME_OVERRIDES": {
        "ChannelKindEnum": "directory.enums.ChannelKind",
        "ClosureReasonEnum": "directory.enums.ClosureReason",
        "VenueStatusEnum": "directory.enums.VenueStatus",
        "ServiceAreaEnum": "directory.enums.ServiceArea",
        "AccessScenarioEnum": "directory.enums.AccessScenario",
    },
}
# The staff upload keeps files here between the dry run and the import: private to the app's
# user (0700, files 0600, random names), never the shared temporary directory.
IMPORT_UPLOAD_DIR = envstr("IMPORT_UPLOAD_DIR", str(BASE_DIR / "var" / "imports"))
# load_demo creates venues and accounts with a published password: refused when DJANGO_DEBUG=0
# unless DJANGO_ALLOW_DEMO=1 (or load_demo --force-demo).
DEMO_ALLOWED = DEBUG or envbool("DJANGO_ALLOW_DEMO", False)
# Open data: files larger than this are refused before being read (import command and staff upload).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Public validator (/open-data/valider/): size of a checked file, checks per client and hour.
VALIDATOR_MAX_BYTES = envint("VALIDATOR_MAX_BYTES", 10 * 1024 * 1024)
VALIDATOR_RATE_LIMIT_PER_HOUR = envint("VALIDATOR_RATE_LIMIT_PER_HOUR", 20)
# Request bodies (RequestSizeLimitMiddleware, by Content-Length): forms and the admin; the
# open-data upload takes IMPORT_MAX_BYTES; the SMS webhook SMS_MAX_BYTES.
REQUEST_MAX_BYTES = envint("REQUEST_MAX_BYTES", 1024 * 1024)
SMS_MAX_BYTES = envint("SMS_MAX_BYTES", 64 * 1024)
CORS_URLS_REGEX = r"^/(api|open-data)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# Partner keys travel in X-Api-Key (directory/partners.py): a browser's preflight must allow it.
CORS_ALLOW_HEADERS = (*default_headers, "x-api-key")

# SMS gateway (issue "reaching residents without internet").
SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "dev-sms-secret" if DEBUG else "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
SMS_RATE_LIMIT_PER_HOUR = envint("SMS_RATE_LIMIT_PER_HOUR", 10)
# Key of the HMAC that turns a sender's number into a pseudonym (directory/sms/ratelimit.py):
# required in production (``check --deploy``: directory.E001); the webhook refuses every
# message without it. Changing it resets per-sender limits and statistics.
SMS_HASH_SECRET = os.environ.get("SMS_HASH_SECRET", "dev-only-sms-hash-secret" if DEBUG or TESTING else "")
# Generic adapter: a signed X-Timestamp further than this from now is refused (replays).
SMS_WEBHOOK_MAX_AGE_SECONDS = envint("SMS_WEBHOOK_MAX_AGE_SECONDS", 300)
# Nonces (generic X-Nonce, Twilio MessageSid) are remembered this long: a replay within it is refused.
SMS_NONCE_SECONDS = envint("SMS_NONCE_SECONDS", 7 * 86400)
# What residents typed, the reply and the sender pseudonym are erased after this many days
# (maintain_directory, nightly); the counts per day and département stay.
SMS_TEXT_RETENTION_DAYS = envint("SMS_TEXT_RETENTION_DAYS", 30)
# Said in SMS replies when a département has no contact of its own.
SMS_FALLBACK_CONTACT = envstr("SMS_FALLBACK_CONTACT", "Allo Service Public, 39 39")
# The number residents text their commune's name to (the SMS look-up, docs/offline.md),
# advertised on the home page, the posters and the paper sheets; empty: not advertised.
SMS_LOOKUP_NUMBER = envstr("SMS_LOOKUP_NUMBER", "06 39 98 00 00" if DEBUG else "")

# Who runs the site (footer, mentions légales, accessibility and personal-data pages).
PUBLISHER_NAME = envstr("PUBLISHER_NAME", "Gardez le lien (éditeur à renseigner : PUBLISHER_NAME)")
PUBLISHER_TEXT = envstr(
    "PUBLISHER_TEXT",
    "Annuaire tenu à jour par les médiateurs numériques et le département, pour que chaque "
    "habitant trouve de l'aide même sans internet.",
)
PUBLISHER_EMAIL = envstr("PUBLISHER_EMAIL", "contact@gardezlelien.example")
PUBLISHER_ADDRESS = envstr("PUBLISHER_ADDRESS", "51 rue Gustave Delory, 59000 Lille")
PUBLISHER_PHONE = envstr("PUBLISHER_PHONE", "03 53 01 00 00" if DEBUG else "")
# Director of publication (mentions légales, loi n° 2004-575 art. 6) and host.
PUBLISHER_DIRECTOR = envstr("PUBLISHER_DIRECTOR", "La directrice de l'inclusion numérique")
HOSTING_PROVIDER = envstr("HOSTING_PROVIDER", "Hébergeur à renseigner (HOSTING_PROVIDER)")
# French no-break spaces in rendered pages (directory/typography.py). Off by default in the
# test suite, whose content assertions compare plain text; tests/test_typography.py and the
# browser tests turn it on.
FRENCH_TYPOGRAPHY = envbool("FRENCH_TYPOGRAPHY", not TESTING)
# RGAA statement: date of the last audit (YYYY-MM-DD).
ACCESSIBILITY_AUDIT_DATE = envstr("ACCESSIBILITY_AUDIT_DATE", "2026-11-30")
# Personal data (stated on /donnees-personnelles/, applied by manage.py purge_personal_data):
# the contact left with an error report, erased this long after the report is handled. (SMS
# texts follow SMS_TEXT_RETENTION_DAYS, erased by maintain_directory.)
REPORT_CONTACT_RETENTION_DAYS = envint("REPORT_CONTACT_RETENTION_DAYS", 90)

# Security.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
DJANGO_SECURE = envbool("DJANGO_SECURE", not DEBUG)
if DJANGO_SECURE:
    SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
