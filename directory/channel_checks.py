"""Channels checked automatically (issue 19, part 3): dead links and reset WhatsApp invitations
are the first things to rot in a directory that lists how to reach people.

``check_channels()`` (run daily by ``manage.py check_channels``) fetches websites, Facebook
pages, video and course links and WhatsApp invitations, with bounded concurrency, one request
at a time per host, timeouts and a polite user agent; it re-validates phone and SMS numbers
against the current numbering plan (``phonenumbers``). Each channel keeps its latest state in
``ChannelCheck`` (last checked, last seen working, failing since, reason). A channel failing
``CHANNEL_CHECK_FLAG_DAYS`` days in a row is flagged (``ChannelCheck.objects.flagged()``) to its
mediators (« Mon lieu », reminder e-mails) and counted by staff (coverage, incomplete venues);
nothing is hidden from the public automatically, because one failure is as likely to be the
checker's network as the channel.

Only stdlib networking (``urllib``): a HEAD (then GET when a server refuses HEAD) with redirects
followed, no cookies kept, no body read beyond 64 KB (enough for a WhatsApp page's message).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory import enums
from directory.cache import bump_data_version

FETCHED_KINDS = {
    enums.ChannelKind.WEBSITE,
    enums.ChannelKind.FACEBOOK,
    enums.ChannelKind.VIDEO_STREAM,
    enums.ChannelKind.VIDEO_CLASS,
    enums.ChannelKind.ONLINE_COURSE,
    enums.ChannelKind.WHATSAPP,
}
PHONE_KINDS = {enums.ChannelKind.PHONE, enums.ChannelKind.SMS}
CHECKED_KINDS = FETCHED_KINDS | PHONE_KINDS
MAX_BODY = 64 * 1024
MAX_REDIRECTS = 5
# What WhatsApp answers, in English and French, for an invitation that no longer works.
WHATSAPP_DEAD_MARKERS = (
    "invite link was reset",
    "invite link is invalid",
    "link is no longer valid",
    "couldn't join",
    "lien d'invitation a été réinitialisé",
    "lien d'invitation n'est plus valide",
    "lien d'invitation est invalide",
    "impossible de rejoindre",
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""


def user_agent() -> str:
    return f"GardezLeLien-verification/1.0 (+{settings.SITE_URL}/open-data/)"


class PrivateAddress(Exception):
    """The URL (or a redirect) points inside the server's own network."""


def _is_private_host(host: str) -> bool:
    """True when ``host`` resolves to a loopback, private, link-local or reserved address: a
    mediator's « website » must not make the server probe its own network (SSRF)."""
    if settings.CHANNEL_CHECK_ALLOW_PRIVATE:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False  # unresolvable: the fetch itself reports it
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            return True
    return False


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS
    max_repeats = 2

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        parts = urlsplit(newurl)
        if parts.scheme not in ("http", "https") or _is_private_host(parts.hostname or ""):
            raise PrivateAddress(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener():
    # No cookie processor: nothing is kept between requests.
    return urllib.request.build_opener(_LimitedRedirects())


def fetch(url: str, timeout: float, method: str = "HEAD") -> tuple[int, bytes]:
    """(status, first bytes of the body) of ``url``; raises urllib/socket/ssl errors."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(url)
    if _is_private_host(parts.hostname or ""):
        raise PrivateAddress(url)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": user_agent(), "Accept": "*/*"})  # noqa: S310
    try:
        with _opener().open(request, timeout=timeout) as response:  # nosec B310 (http/https only, checked below)
            return response.status, response.read(MAX_BODY) if method == "GET" else b""
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise  # urllib gave up following redirects: a loop, or too many
        body = error.read(MAX_BODY) if method == "GET" else b""
        error.close()
        return error.code, body


def check_url(url: str, kind: str, timeout: float | None = None) -> Outcome:
    timeout = timeout or settings.CHANNEL_CHECK_TIMEOUT_SECONDS
    if urlsplit(url).scheme not in ("http", "https"):
        return Outcome(False, _("adresse qui n'est pas une adresse web"))
    try:
        # WhatsApp's answer is in the page, so it is always read.
        method = "GET" if kind == enums.ChannelKind.WHATSAPP else "HEAD"
        status, body = fetch(url, timeout, method)
        if method == "HEAD" and status in (403, 405, 501):
            # Many servers (Facebook among them) refuse HEAD but answer GET.
            status, body = fetch(url, timeout, "GET")
    except PrivateAddress:
        return Outcome(False, _("adresse d'un réseau privé : non vérifiée"))
    except urllib.error.HTTPError as error:  # redirect loop or too many redirects
        return Outcome(False, _("trop de redirections (%(code)s)") % {"code": error.code})
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLError | ssl.CertificateError):
            return Outcome(False, _("certificat ou connexion sécurisée invalide"))
        if isinstance(reason, TimeoutError | socket.timeout):
            return Outcome(False, _("pas de réponse en %(seconds)s s") % {"seconds": int(timeout)})
        if isinstance(reason, socket.gaierror):
            return Outcome(False, _("nom de domaine introuvable"))
        return Outcome(False, _("connexion impossible"))
    except TimeoutError:
        return Outcome(False, _("pas de réponse en %(seconds)s s") % {"seconds": int(timeout)})
    except (ssl.SSLError, ssl.CertificateError):
        return Outcome(False, _("certificat ou connexion sécurisée invalide"))
    except (OSError, ValueError):
        return Outcome(False, _("connexion impossible"))
    if status >= 400:
        return Outcome(False, http_reason(status))
    if kind == enums.ChannelKind.WHATSAPP:
        text = body.decode("utf-8", "replace").lower().replace("\u2019", "'")
        if any(marker in text for marker in WHATSAPP_DEAD_MARKERS):
            return Outcome(False, _("lien d'invitation WhatsApp réinitialisé ou invalide"))
    return Outcome(True)


def http_reason(status: int) -> str:
    """An HTTP error in words a mediator understands, the code kept for whoever fixes the site."""
    if status in (404, 410):
        return _("page introuvable (%(code)s)") % {"code": status}
    if status in (401, 403):
        return _("accès refusé (%(code)s)") % {"code": status}
    if status >= 500:
        return _("le site est en panne (%(code)s)") % {"code": status}
    return _("la page répond « erreur %(code)s »") % {"code": status}


def check_phone(value: str) -> Outcome:
    from directory.channels import is_fiction_number

    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return Outcome(False, _("numéro illisible"))
    if is_fiction_number(number) or phonenumbers.is_valid_number(number):
        return Outcome(True)
    return Outcome(False, _("numéro qui n'existe plus dans le plan de numérotation"))


def check_channel(channel, timeout: float | None = None) -> Outcome:
    if channel.kind in PHONE_KINDS:
        return check_phone(channel.value)
    return check_url(channel.value, channel.kind, timeout)


def record(channel, outcome: Outcome, now=None):
    """Store ``outcome`` as the channel's current state (failures count days in a row)."""
    from directory.models import ChannelCheck

    now = now or timezone.now()
    check = ChannelCheck.objects.filter(channel=channel).first() or ChannelCheck(channel=channel)
    check.checked_at = now
    if outcome.ok:
        check.last_ok_at, check.failing_since, check.failures, check.reason = now, None, 0, ""
    else:
        check.failures += 1
        check.failing_since = check.failing_since or now
        check.reason = outcome.reason[:300]
    check.save()
    return check


def check_channels(channels, concurrency: int | None = None, timeout: float | None = None, now=None) -> dict:
    """Check ``channels`` (an iterable of Channel), store the results; returns counts."""
    concurrency = max(1, concurrency or settings.CHANNEL_CHECK_CONCURRENCY)
    host_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
    guard = threading.Lock()

    def run(channel):
        if channel.kind in PHONE_KINDS:
            return channel, check_channel(channel, timeout)
        host = (urlsplit(channel.value).hostname or "").lower()
        with guard:
            lock = host_locks[host]
        with lock:  # one request at a time per host: polite to Facebook and small sites alike
            return channel, check_channel(channel, timeout)

    counts = {"ok": 0, "failed": 0}
    channels = [c for c in channels if c.kind in CHECKED_KINDS]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(run, channels))
    with transaction.atomic():
        for channel, outcome in results:
            record(channel, outcome, now)
            counts["ok" if outcome.ok else "failed"] += 1
    # Staff figures (coverage, incomplete venues) are cached per data version: show the new flags.
    bump_data_version()
    return counts


def flag_notice(check) -> str | None:
    """The sentence shown to mediators (« Mon lieu », reminder e-mails) for a flagged channel,
    or None: « Ce lien ne répond plus depuis le 27 novembre : page introuvable (404) »."""
    if check is None or not check.is_flagged:
        return None
    since = timezone.localdate(check.failing_since)
    date = date_format(since, "j F" if since.year == timezone.localdate().year else "j F Y")
    if check.channel.kind in PHONE_KINDS:
        sentence = _("Ce numéro n'est plus valide depuis le %(date)s : %(reason)s")
    else:
        sentence = _("Ce lien ne répond plus depuis le %(date)s : %(reason)s")
    return sentence % {"date": date, "reason": check.reason}
