"""Partner keys at request time: which key a request carries, whether its site may use it,
and its usage counted per key and day (``PartnerKey``, ``PartnerKeyUsage``).

- Widget (``/widget/``): the key is the ``cle=`` parameter of the iframe's address; the site
  is the host of the ``Referer`` the browser sends when it loads the frame (``Origin`` is not
  sent for a frame). The frame's ``frame-ancestors`` then names only the key's sites, so a
  browser refuses to show it anywhere else, whatever the ``Referer``.
- API: the key is the ``X-Api-Key`` header; a browser call's ``Origin`` (or ``Referer``) must be
  one of its sites; a server-side call sends neither and is accepted.

``check(request, raw, scope)`` answers with a ``Decision``: the key, or a French refusal with
its status (403 unknown, inactive or wrong site; 429 over the day's quota). Two statements: the
key by its hash (unique index) and one ``INSERT … ON CONFLICT DO UPDATE`` on the day's row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.models import PartnerKey, PartnerKeyUsage

API, WIDGET = "api", "widget"
COLUMNS = {API: "api_requests", WIDGET: "widget_views"}
QUOTAS = {API: "api_daily_quota", WIDGET: "widget_daily_quota"}
API_HEADER = "X-Api-Key"

# « www.mairie.fr », « *.exemple.org », « localhost:8080 »: what a CSP host-source accepts.
HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$")
# Keys are « gll_ » + 32 URL-safe characters; anything else is not looked up.
RAW_KEY_RE = re.compile(r"^gll_[A-Za-z0-9_-]{20,64}$")

COUNT_SQL = f"""
INSERT INTO {PartnerKeyUsage._meta.db_table} AS u (key_id, day, api_requests, widget_views)
VALUES (%(key)s, %(day)s, %(api)s, %(widget)s)
ON CONFLICT (key_id, day) DO UPDATE SET {{column}} = u.{{column}} + 1
RETURNING u.{{column}}
"""  # noqa: S608  # nosec B608  (table and column names are ours, never input)


def normalise_host(text: str) -> str | None:
    """« https://www.Mairie.fr/page » → « www.mairie.fr »; None when it is not a host name."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if "//" in text:
        text = urlsplit(text).netloc
    text = text.split("/", 1)[0].rstrip(".")
    return text if HOST_RE.match(text) and len(text) <= 260 else None


def host_matches(host: str, allowed: str) -> bool:
    """``allowed`` is a host (with its port when it has one) or « *.domain » (any subdomain)."""
    if allowed.startswith("*."):
        return host.endswith(allowed[1:])
    if ":" in allowed:
        return host == allowed
    return host.split(":", 1)[0] == allowed


def request_site(request) -> str | None:
    """The host of the page that called: ``Origin``, else ``Referer``; None when neither."""
    for header in ("HTTP_ORIGIN", "HTTP_REFERER"):
        value = request.META.get(header, "")
        if value and value != "null":
            return urlsplit(value).netloc.lower() or None
    return None


def own_hosts(request) -> set[str]:
    """Our own site: a widget's own links (pagination, its form) come from it."""
    return {urlsplit(settings.SITE_URL).netloc.lower(), request.get_host().lower()}


@dataclass(frozen=True)
class Decision:
    key: PartnerKey | None
    status: int = 200
    message: str = ""

    @property
    def allowed(self) -> bool:
        return self.status == 200


def count_use(key: PartnerKey, scope: str) -> int:
    """Add one use of ``key`` in ``scope`` to today's row; the day's count so far (atomic)."""
    column = COLUMNS[scope]
    with connection.cursor() as cursor:
        cursor.execute(
            COUNT_SQL.format(column=column),
            {"key": key.pk, "day": timezone.localdate(), "api": int(scope == API), "widget": int(scope == WIDGET)},
        )
        return int(cursor.fetchone()[0])


def check(request, raw: str, scope: str) -> Decision:
    """The key ``raw`` for one request of ``scope``: found, active, from one of its sites and
    within today's quota (counted here)."""
    raw = (raw or "").strip()
    key = PartnerKey.objects.matching(raw).first() if RAW_KEY_RE.match(raw) else None
    if key is None:
        return Decision(None, 403, _("Clé partenaire inconnue : vérifiez le code d'intégration ou demandez une clé."))
    if not key.is_active:
        return Decision(key, 403, _("Cette clé partenaire a été désactivée : demandez une nouvelle clé."))
    site = request_site(request)
    if site is not None:
        allowed = any(host_matches(site, host) for host in key.allowed_hosts)
        if not allowed and not (scope == WIDGET and site in own_hosts(request)):
            return Decision(
                key,
                403,
                _("Cette clé partenaire n'est pas autorisée sur le site %(site)s.") % {"site": site},
            )
    used = count_use(key, scope)
    quota = getattr(key, QUOTAS[scope])
    if used > quota:
        return Decision(
            key,
            429,
            _("Quota journalier de cette clé atteint (%(quota)d) : le service reprend demain.") % {"quota": quota},
        )
    return Decision(key)


def seconds_until_tomorrow() -> int:
    """Until the day's counters start again (local midnight): the 429's ``Retry-After``."""
    import datetime

    now = timezone.localtime()
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), now.tzinfo)
    return max(1, int((midnight - now).total_seconds()))


def frame_ancestors(key: PartnerKey | None) -> str:
    """Who may frame a widget: anyone, or the key's sites (and our own builder's preview)."""
    if key is None:
        return "*"
    return " ".join(["'self'", *key.allowed_hosts])
