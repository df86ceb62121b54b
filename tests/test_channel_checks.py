"""Automatic channel checks, against HTTP servers started by the tests (never real hosts)."""

import datetime
import http.server
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.utils import timezone

from directory import enums
from directory.channel_checks import check_channels, check_phone, check_url, flag_notice, record
from directory.models import ChannelCheck
from tests.factories import ChannelFactory, VenueFactory

WHATSAPP_RESET = b"<html><body><h3>This invite link was reset</h3></body></html>"


class Handler(http.server.BaseHTTPRequestHandler):
    seen_agents: list = []

    def log_message(self, *args):
        pass

    def _answer(self, with_body):
        Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/ok":
            self._send(200, b"ok", with_body)
        elif path == "/missing":
            self._send(404, b"not found", with_body)
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.end_headers()
        elif path == "/slow":
            time.sleep(2)
            self._send(200, b"late", with_body)
        elif path == "/no-head":
            if not with_body:
                self._send(405, b"", False)
            else:
                self._send(200, b"ok", True)
        elif path == "/whatsapp-reset":
            self._send(200, WHATSAPP_RESET, with_body)
        elif path == "/whatsapp-ok":
            self._send(200, b"<html><body>Rejoindre la discussion de groupe</body></html>", with_body)
        else:
            self._send(500, b"", with_body)

    def _send(self, status, body, with_body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)


@pytest.fixture(autouse=True)
def _local_servers_allowed(settings):
    settings.CHANNEL_CHECK_ALLOW_PRIVATE = True


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()  # shutdown() stops the loop; the listening socket is closed here


@pytest.mark.parametrize(
    "path, kind, ok, reason",
    [
        ("/ok", enums.ChannelKind.WEBSITE, True, ""),
        ("/moved", enums.ChannelKind.WEBSITE, True, ""),
        ("/no-head", enums.ChannelKind.FACEBOOK, True, ""),
        ("/missing", enums.ChannelKind.WEBSITE, False, "page introuvable (404)"),
        ("/loop", enums.ChannelKind.VIDEO_STREAM, False, "redirections"),
        ("/whatsapp-reset", enums.ChannelKind.WHATSAPP, False, "WhatsApp"),
        ("/whatsapp-ok", enums.ChannelKind.WHATSAPP, True, ""),
    ],
)
def test_check_url_against_a_local_server(server, path, kind, ok, reason):
    outcome = check_url(server + path, kind, timeout=5)
    assert outcome.ok is ok
    assert reason in outcome.reason


def test_a_slow_server_times_out(server):
    outcome = check_url(server + "/slow", enums.ChannelKind.WEBSITE, timeout=0.5)
    assert not outcome.ok and "pas de réponse" in outcome.reason


def test_a_tls_error_is_named(server):
    # An HTTPS request to a plain HTTP server fails its handshake.
    outcome = check_url(server.replace("http://", "https://") + "/ok", enums.ChannelKind.WEBSITE, timeout=5)
    assert not outcome.ok and "sécurisée" in outcome.reason


def test_a_closed_port_is_a_connection_failure():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = check_url(f"http://127.0.0.1:{port}/", enums.ChannelKind.WEBSITE, timeout=2)
    assert not outcome.ok and "connexion" in outcome.reason


@pytest.mark.parametrize("path", ["/ok", "/moved"])
def test_private_addresses_are_never_fetched_in_production(settings, server, path):
    settings.CHANNEL_CHECK_ALLOW_PRIVATE = False
    Handler.seen_agents.clear()
    outcome = check_url(server + path, enums.ChannelKind.WEBSITE, timeout=5)
    assert not outcome.ok and "réseau privé" in outcome.reason
    assert Handler.seen_agents == []


def test_the_user_agent_is_polite(server):
    Handler.seen_agents.clear()
    check_url(server + "/ok", enums.ChannelKind.WEBSITE, timeout=5)
    assert Handler.seen_agents and all(a.startswith("GardezLeLien-verification/") for a in Handler.seen_agents)


def test_phone_numbers_against_the_numbering_plan():
    assert check_phone("+33353011007").ok  # fiction range, accepted as the demo's
    assert check_phone("+33320000000").ok
    assert not check_phone("+33400000000").ok  # 04 00: no such block
    assert not check_phone("+3380000000").ok  # one digit short
    assert not check_phone("pas un numéro").ok


@pytest.mark.django_db
def test_failures_count_days_in_a_row_and_flag_after_the_threshold(settings, server):
    """Flagged on the third failing day in a row (the full table of cases, the twins and the
    confirmation: tests/test_channel_flags.py)."""
    settings.CHANNEL_CHECK_FLAG_DAYS = 3
    channel = ChannelFactory(venue=VenueFactory(), kind=enums.ChannelKind.WEBSITE, value=server + "/missing")
    day = timezone.now()
    from directory.channel_checks import Outcome

    for n in range(2):
        check = record(channel, Outcome(False, "page introuvable (404)"), now=day + datetime.timedelta(days=n))
        assert flag_notice(check) is None
        assert not ChannelCheck.objects.flagged().exists()
    check = record(channel, Outcome(False, "page introuvable (404)"), now=day + datetime.timedelta(days=2))
    assert check.failures == 3 and check.failing_since == day
    assert flag_notice(check).startswith("Ce lien ne répond plus depuis le ")
    assert flag_notice(check).endswith(" : page introuvable (404)")
    assert ChannelCheck.objects.flagged().get() == check
    # One success resets it.
    check = record(channel, Outcome(True), now=day + datetime.timedelta(days=4))
    assert check.failures == 0 and check.failing_since is None and check.last_ok_at is not None
    assert not ChannelCheck.objects.flagged().exists()


@pytest.mark.django_db
def test_check_channels_runs_with_bounded_concurrency_and_hides_nothing(server):
    venue = VenueFactory()
    good = ChannelFactory(venue=venue, kind=enums.ChannelKind.WEBSITE, value=server + "/ok")
    bad = ChannelFactory(venue=venue, kind=enums.ChannelKind.WEBSITE, value=server + "/missing")
    phone = ChannelFactory(venue=venue)
    signage = ChannelFactory(venue=venue, signage=True)
    counts = check_channels([good, bad, phone, signage], concurrency=2, timeout=5)
    assert counts == {"ok": 2, "failed": 1}
    assert ChannelCheck.objects.get(channel=bad).reason == "page introuvable (404)"
    assert not ChannelCheck.objects.filter(channel=signage).exists()
    # Nothing leaves the public directory on a failure.
    assert venue.channels.count() == 4


@pytest.mark.django_db
def test_the_command_checks_the_stored_channels(server, capsys):
    ChannelFactory(venue=VenueFactory(), kind=enums.ChannelKind.WEBSITE, value=server + "/ok")
    call_command("check_channels", "--kind", "website", "--timeout", "5")
    assert "1 canaux répondent, 0 en échec." in capsys.readouterr().out
    assert ChannelCheck.objects.get().last_ok_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, visible",
    [
        ("anonymous", set()),
        ("mediator_a", {"a"}),
        ("manager_a", {"a"}),
        ("mediator_b", {"b"}),
        ("staff_59", {"a", "b"}),
        ("staff_62", {"c"}),
        ("superuser", {"a", "b", "c"}),
    ],
)
def test_each_role_sees_the_checks_of_the_venues_it_may_see(client, role, visible):
    from django.urls import reverse

    from directory.channel_checks import Outcome
    from tests.admin_world import build_world, login

    world = build_world()
    checks = {key: record(world.objects[key].channel, Outcome(False, f"panne {key}")) for key in "abc"}
    login(client, world, role)
    listing = client.get(reverse("admin:directory_channelcheck_changelist"))
    shown = (
        {key for key in "abc" if f"panne {key}" in listing.content.decode()} if listing.status_code == 200 else set()
    )
    assert shown == visible
    for key, check in checks.items():
        page = client.get(reverse("admin:directory_channelcheck_change", args=[check.pk]))
        assert (page.status_code == 200) is (key in visible), (key, page.status_code)
        # Read-only: nothing can be edited nor deleted, whoever asks.
        client.post(reverse("admin:directory_channelcheck_delete", args=[check.pk]), {"post": "yes"})
        assert ChannelCheck.objects.filter(pk=check.pk).exists()
