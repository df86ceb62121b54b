"""Rate limits (API, reports, SMS, webhook nonces) and the client address they are keyed by.

- ``client_ip(request)``: the visitor's address. Behind ``TRUSTED_PROXY_COUNT`` proxies (load
  balancer, TLS terminator) ``REMOTE_ADDR`` is the last proxy's address; the client's is the
  entry the outermost trusted proxy appended to ``X-Forwarded-For``. Entries further left are
  written by the client and never trusted. django-axes (``AXES_CLIENT_IP_CALLABLE``), the
  report and API limits all use this one function.
- ``hit(scope, ident, window)``: one atomic increment of a fixed-window counter in PostgreSQL
  (``RateCounter``): no visitor can evict it, and concurrent requests are all counted.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from directory.models import RateCounter

HIT_SQL = """
INSERT INTO directory_ratecounter AS c (key, count, expires_at)
VALUES (%(key)s, 1, clock_timestamp() + make_interval(secs => %(window)s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires_at <= clock_timestamp() THEN 1 ELSE c.count + 1 END,
    expires_at = CASE WHEN c.expires_at <= clock_timestamp() THEN EXCLUDED.expires_at ELSE c.expires_at END
RETURNING count, GREATEST(0, EXTRACT(EPOCH FROM c.expires_at - clock_timestamp()))
"""


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address, read through ``TRUSTED_PROXY_COUNT`` proxies (0: ``REMOTE_ADDR``)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        # The request did not come through every trusted proxy: nothing in the header is ours.
        return remote
    return _valid_ip(forwarded[-count]) or remote


def client_key(request) -> str:
    """A keyed hash of the client's network: the address, or its /64 for IPv6 (one subscriber
    line holds a whole /64, so its addresses count as one client)."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
        if ip.version == 6 and not ip.ipv4_mapped:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        pass
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Hit:
    count: int
    seconds_left: float


def hit(scope: str, ident: str, window_seconds: int) -> Hit:
    """Count one event for ``ident`` in ``scope``; the count in the current window, atomically."""
    key = f"{scope}:{ident}"[: RateCounter._meta.get_field("key").max_length]
    with connection.cursor() as cursor:
        cursor.execute(HIT_SQL, {"key": key, "window": window_seconds})
        count, seconds_left = cursor.fetchone()
    return Hit(int(count), float(seconds_left))


def purge_expired() -> int:
    """Delete counters whose window has ended (the nightly ``maintain_directory``)."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=_now()).delete()
    return deleted


def _now():
    from django.utils import timezone

    return timezone.now()
