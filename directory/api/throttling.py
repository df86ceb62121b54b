"""The API's rate limit (``REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]``), in a module of its own:
DRF imports it while ``directory.api.views`` is still being imported."""

from django.conf import settings
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.throttling import AnonRateThrottle

from directory import partners, ratelimit


class ApiThrottle(AnonRateThrottle):
    """Per client (IP address, read through trusted proxies) limit, read at request time from
    ``REST_FRAMEWORK`` so it can be tuned by the ``API_RATE_LIMIT`` environment variable (and in
    tests). Counted atomically in PostgreSQL (``directory.ratelimit.hit``): DRF's own throttle
    reads and rewrites a list in the cache, so simultaneous requests overwrote each other's
    hits, and an evicted entry started the count again."""

    def __init__(self):
        self.wait_seconds = None

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]

    def get_ident(self, request):
        return ratelimit.client_key(request)

    def allow_request(self, request, view):
        raw_key = request.headers.get(partners.API_HEADER)
        if raw_key is not None:
            # A partner key (X-Api-Key): its own daily quota instead of the per-client rate.
            decision = partners.check(request, raw_key, partners.API)
            if decision.status == 403:
                raise PermissionDenied(decision.message)
            if decision.status == 429:
                raise Throttled(wait=partners.seconds_until_tomorrow(), detail=decision.message)
            return True
        if request.user and request.user.is_authenticated:
            return True  # like DRF's AnonRateThrottle: signed-in staff are not limited
        number, duration = self.parse_rate(self.get_rate())
        hit = ratelimit.hit("api", self.get_ident(request), duration)
        if hit.count <= number:
            return True
        self.wait_seconds = max(1.0, hit.seconds_left)
        return False

    def wait(self):
        return self.wait_seconds
