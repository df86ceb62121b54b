"""Settings for Gardez le lien: one file, read from the environment.

Every variable has a safe development default so that a fresh checkout runs at once;
``DJANGO_DEBUG=0`` switches production hardening on. The README lists every variable.
"""

import os
import sys
from pathlib import Path

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
    "directory",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "directory.middleware.DatabaseUnavailableMiddleware",
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

# Login hardening (django-axes): lock a username+IP pair after 5 failures for 1 hour.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

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

# The admin lives at a configurable path so it is not where scanners look first.
ADMIN_URL = envstr("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"
LOGIN_URL = "admin:login"

SITE_NAME = "Gardez le lien"
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
# Residents' reports ("Signaler une information erronée"): per client (hashed IP), per hour.
REPORT_RATE_LIMIT_PER_HOUR = envint("REPORT_RATE_LIMIT_PER_HOUR", 5)
# Invitation links are password-reset tokens: they expire after this many seconds.
PASSWORD_RESET_TIMEOUT = envint("INVITATION_TIMEOUT_DAYS", 7) * 86400
DIRECTORY_PAGE_SIZE = envint("DIRECTORY_PAGE_SIZE", 20)
# Past this many results the list says « plus de 500 lieux » instead of counting them all: a
# count reads every match (and a département's thousands, with a channel condition, 40 ms at
# 200,000 venues, when 500 take 9).
DIRECTORY_COUNT_LIMIT = envint("DIRECTORY_COUNT_LIMIT", 500)
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
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
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
# Open data: files larger than this are refused before being read (import command and staff upload).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# Public validator (/open-data/valider/): size of a checked file, checks per client and hour.
VALIDATOR_MAX_BYTES = envint("VALIDATOR_MAX_BYTES", 10 * 1024 * 1024)
VALIDATOR_RATE_LIMIT_PER_HOUR = envint("VALIDATOR_RATE_LIMIT_PER_HOUR", 20)
CORS_URLS_REGEX = r"^/(api|open-data)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# SMS gateway (issue "reaching residents without internet").
SMS_WEBHOOK_SECRET = os.environ.get("SMS_WEBHOOK_SECRET", "dev-sms-secret" if DEBUG else "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
SMS_RATE_LIMIT_PER_HOUR = envint("SMS_RATE_LIMIT_PER_HOUR", 10)
SMS_HASH_SALT = os.environ.get("SMS_HASH_SALT", SECRET_KEY)
# Said in SMS replies when a département has no contact of its own.
SMS_FALLBACK_CONTACT = envstr("SMS_FALLBACK_CONTACT", "Allo Service Public, 39 39")

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
