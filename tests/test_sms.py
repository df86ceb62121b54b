"""SMS look-up: GSM-7 rules, replies, gateway signatures, rate limit, privacy."""

import hashlib
import hmac
import json
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from directory import enums
from directory.models import SmsExchange
from directory.sms import adapters, gsm7, ratelimit, stats
from directory.sms.reply import build_reply, parse
from tests.factories import ChannelFactory, ClosurePeriodFactory, DepartementFactory, VenueFactory

SECRET = "test-sms-secret"
TWILIO_TOKEN = "test-twilio-token"
ALL_WEEK = "Mo-Su 09:00-12:00,14:00-17:00"


# --- published test vectors ------------------------------------------------------------------


def test_it_matches_rfc_4231_test_case_2():
    # RFC 4231 § 4.3: key "Jefe", data "what do ya want for nothing?".
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert adapters.generic_signature("Jefe", b"what do ya want for nothing?") == expected
    assert adapters.verify_generic("Jefe", b"what do ya want for nothing?", expected)
    assert adapters.verify_generic("Jefe", b"what do ya want for nothing?", "sha256=" + expected.upper())
    assert not adapters.verify_generic("Jefe", b"what do ya want for nothing!", expected)
    assert not adapters.verify_generic("", b"what do ya want for nothing?", expected)


TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def test_it_matches_twilios_published_signature_vector():
    # The vector of twilio-python's tests/unit/test_request_validator.py (auth token 12345).
    assert adapters.twilio_signature("12345", TWILIO_URL, TWILIO_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert adapters.verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


def test_it_signs_repeated_twilio_parameters_like_twilio():
    from django.http import QueryDict

    params = QueryDict("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234")
    assert adapters.twilio_signature("12345", TWILIO_URL, params) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_it_accepts_twilio_urls_with_or_without_port():
    with_port = TWILIO_URL.replace(".com", ".com:1234")
    assert adapters.verify_twilio("12345", with_port, TWILIO_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    # Twilio's vector for the same URL with the default port written out.
    assert adapters.verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=")
    assert not adapters.verify_twilio("12345", TWILIO_URL, TWILIO_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B9=")
    assert not adapters.verify_twilio("", TWILIO_URL, TWILIO_PARAMS, "RSOYDt4T1cUTdK1PDd93/VVr8B8=")


# --- GSM-7 -------------------------------------------------------------------------------------


def test_it_transliterates_to_gsm7():
    assert gsm7.to_gsm7("Œuvre « Solidarité » – être à l’écoute 🤝") == 'OEuvre " Solidarité " - etre à l\'écoute '
    assert gsm7.to_gsm7("Ça déçoit, forêt, île, où") == "Ça décoit, foret, ile, où"
    assert gsm7.is_gsm7(gsm7.to_gsm7("Ĳssel 你好 ΩΣ €"))


def test_it_counts_segments_with_extension_characters():
    assert gsm7.segments("a" * 160) == 1
    assert gsm7.segments("a" * 161) == 2
    assert gsm7.segments("€" * 80) == 1
    assert gsm7.segments("€" * 81) == 2
    assert gsm7.segments("a" * 459) == 3
    assert gsm7.segments("a" * 460) == 4
    # An escaped character never straddles two segments.
    assert gsm7.segments("a" * 152 + "€" + "a" * 10) == 2
    assert gsm7.septets(gsm7.truncate("mot " * 200)) <= gsm7.MAX_SEPTETS


# --- replies ---------------------------------------------------------------------------------


def assert_sendable(text):
    assert text
    assert gsm7.is_gsm7(text), text
    assert gsm7.septets(text) <= 459
    assert gsm7.segments(text) <= 3


@pytest.fixture
def venues(hauts_de_france):
    hdf = hauts_de_france
    lille = VenueFactory(
        name="Centre social Lille Moulins", commune=hdf.lille, opening_hours=ALL_WEEK, service_area="commune"
    )
    ChannelFactory(venue=lille, value="+33353010001")
    vda = VenueFactory(name="Médiathèque de Villeneuve", commune=hdf.villeneuve, opening_hours=ALL_WEEK)
    ChannelFactory(venue=vda, sms=True, value="+33639980002", availability="lun.-ven. 9h-17h")
    closed = VenueFactory(name="Espace fermé joignable", commune=hdf.lille, service_area="commune")
    sms = ChannelFactory(venue=closed, sms=True, value="+33639980003")
    closure = ClosurePeriodFactory(venue=closed)
    closure.open_channels.add(sms)
    silent = VenueFactory(name="Espace fermé muet", commune=hdf.lille, service_area="commune")
    ChannelFactory(venue=silent, value="+33353010004")
    ClosurePeriodFactory(venue=silent)
    web_only = VenueFactory(name="Lieu sans téléphone", commune=hdf.lille, service_area="commune")
    ChannelFactory(venue=web_only, email=True)
    gone = VenueFactory(name="Lieu disparu", commune=hdf.lille, closed_for_good=True)
    ChannelFactory(venue=gone, value="+33353010005")
    arras = VenueFactory(name="France services Arras", commune=hdf.arras, opening_hours=ALL_WEEK)
    ChannelFactory(venue=arras, value="+33353010006")
    return hdf


def test_it_parses_messages():
    assert parse("59000").kind == "postal_code"
    assert parse("  Bonjour 59000 ouvert svp ").open_only
    assert parse("Villeneuve d'Ascq").term == "villeneuve d ascq"
    for text in ("", "   ", "AIDE", "aide", "?", "Aide ?", "x"):
        assert parse(text).kind == "help", text


def test_it_answers_a_postal_code(venues):
    reply = build_reply("59000")
    assert_sendable(reply.text)
    assert reply.answered
    assert "Centre social Lille Moulins" in reply.text
    assert "03 53 01 00 01" in reply.text
    assert "auj. 9h-12h, 14h-17h" in reply.text
    # Closed but reachable by SMS during the closure: listed, with the closure said.
    assert "Espace fermé joignable" in reply.text
    assert "lieu fermé jusqu'au" in reply.text
    assert "06 39 98 00 03" in reply.text
    assert "muet" not in reply.text
    assert "sans telephone" not in reply.text and "sans téléphone" not in reply.text
    assert "disparu" not in reply.text
    # Nearest first: the two Lille venues before the Villeneuve one (same EPCI).
    assert reply.text.index("Lille Moulins") < reply.text.index("Villeneuve")
    assert reply.venues_count == 3
    assert "Arras" not in reply.text


def test_it_keeps_only_open_venues_with_ouvert(venues):
    reply = build_reply("59000 ouvert")
    assert_sendable(reply.text)
    assert "joignable" not in reply.text
    assert "Lille Moulins" in reply.text


@pytest.mark.parametrize("text", ["Villeneuve-d'Ascq", "Villeneuve d'Ascq", "villeneuve dascq", "VILLENEUVE D ASCQ"])
def test_it_answers_a_commune_name_with_or_without_accents(venues, text):
    reply = build_reply(text)
    assert_sendable(reply.text)
    assert reply.answered, reply.text
    assert reply.text.startswith("Aide au numérique, Villeneuve-d'Ascq")
    assert "Médiathèque de Villeneuve" in reply.text
    assert "06 39 98 00 02, lun.-ven. 9h-17h" in reply.text


def test_it_answers_accented_commune_names(venues):
    reply = build_reply("templeuve en pevele")
    assert_sendable(reply.text)
    assert "Templeuve-en-Pevele" in reply.text or "Templeuve-en-Pévèle" in reply.text


def test_it_says_when_a_postal_code_is_unknown_and_gives_the_departement_contact(venues):
    nord = DepartementFactory(code="59")
    nord.contact_label = "Médiation numérique du Nord"
    nord.contact_phone = "+33353019999"
    nord.save()
    reply = build_reply("59999")
    assert_sendable(reply.text)
    assert not reply.answered
    assert "Code postal 59999 inconnu" in reply.text
    assert "Mediation numerique du Nord" in reply.text or "Médiation numérique du Nord" in reply.text
    assert "03 53 01 99 99" in reply.text


def test_it_falls_back_to_a_general_contact(venues, settings):
    settings.SMS_FALLBACK_CONTACT = "Allo Service Public, 39 39"
    reply = build_reply("97100")
    assert_sendable(reply.text)
    assert "Code postal 97100 inconnu" in reply.text
    assert "39 39" in reply.text


@pytest.mark.parametrize("text", ["AIDE", "aide", "?", "", "   ", "🙂", "n'importe quoi zzzzqqq"])
def test_it_answers_help_or_unknown_with_the_help_text(venues, text):
    reply = build_reply(text)
    assert_sendable(reply.text)
    assert not reply.answered
    assert "code postal" in reply.text


def test_it_answers_a_2000_character_message(venues):
    reply = build_reply("59000 " + "blabla " * 300)
    assert_sendable(reply.text)
    assert reply.answered


def test_it_keeps_replies_gsm7_with_non_gsm_venue_names(venues):
    for n in range(3):
        venue = VenueFactory(
            name=f"Œuvre « Solidarité » n°{n} 🤝✨ — l’accueil des familles et des aînés du quartier très long",
            commune=venues.lille,
            opening_hours=ALL_WEEK,
            service_area="commune",
        )
        ChannelFactory(venue=venue, value=f"+3335301010{n}", availability="mardi & jeudi — 14h→17h ☎")
    reply = build_reply("Lille")
    assert_sendable(reply.text)
    assert "OEuvre" in reply.text
    assert "🤝" not in reply.text and "«" not in reply.text and "’" not in reply.text


def test_it_says_when_no_venue_is_reachable(venues):
    reply = build_reply("62000 ouvert")
    assert reply.answered  # Arras has one, open all week
    venues.arras.venues.all().delete()
    reply = build_reply("Arras")
    assert_sendable(reply.text)
    assert not reply.answered
    assert "Aucun lieu" in reply.text


def test_sms_simulate_prints_the_reply(venues):
    out, err = StringIO(), StringIO()
    call_command("sms_simulate", "59000", "--verbose", stdout=out, stderr=err)
    assert "Centre social Lille Moulins" in out.getvalue()
    assert "SMS" in err.getvalue()
    assert not SmsExchange.objects.exists()


# --- webhook ---------------------------------------------------------------------------------


@pytest.fixture
def gateway(settings):
    settings.SMS_WEBHOOK_SECRET = SECRET
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SMS_RATE_LIMIT_PER_HOUR = 3
    settings.SMS_HASH_SECRET = "secret-de-test"
    return settings


def stamp(body: bytes, secret=SECRET):
    """The generic adapter's headers: a fresh timestamp and nonce, and the signature over them."""
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(secret.encode(), adapters.signed_message(body, timestamp, nonce), hashlib.sha256).hexdigest()
    return {"X-Timestamp": timestamp, "X-Nonce": nonce, "X-Signature": signature}


def post_generic(client, payload, secret=SECRET, header=None):
    body = json.dumps(payload).encode()
    headers = stamp(body, secret)
    if header is False:
        del headers["X-Signature"]
    elif header is not None:
        headers["X-Signature"] = header
    return client.post(reverse("directory:sms_incoming"), body, content_type="application/json", headers=headers)


def post_twilio(client, params, token=TWILIO_TOKEN, signature=None):
    url = "http://testserver" + reverse("directory:sms_incoming")
    params = {"MessageSid": "SM" + uuid.uuid4().hex, **params}
    sig = signature if signature is not None else adapters.twilio_signature(token, url, params)
    return client.post(reverse("directory:sms_incoming"), params, headers={"X-Twilio-Signature": sig})


def test_generic_adapter_answers_a_signed_request(client, gateway, venues):
    response = post_generic(client, {"from": "+33639981111", "text": "59000"})
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert "Centre social Lille Moulins" in reply
    assert_sendable(reply)
    exchange = SmsExchange.objects.get()
    assert exchange.adapter == "generic"
    assert exchange.answered and exchange.venues_count == 3
    assert exchange.query == "59000"


@pytest.mark.parametrize("header", [False, "", "deadbeef", "sha256=" + "0" * 64])
def test_generic_adapter_refuses_unsigned_or_badly_signed_requests(client, gateway, venues, header):
    response = post_generic(client, {"from": "+33639981111", "text": "59000"}, header=header)
    assert response.status_code == 403
    assert response.content == b""
    assert not SmsExchange.objects.exists()


def test_generic_adapter_refuses_everything_without_a_secret(client, gateway, venues):
    gateway.SMS_WEBHOOK_SECRET = ""
    response = post_generic(client, {"from": "+33639981111", "text": "59000"}, secret="")
    assert response.status_code == 403
    assert response.content == b""


def test_generic_adapter_rejects_signed_garbage_with_a_french_error(client, gateway, db):
    body = b"pas du json"
    response = client.post(
        reverse("directory:sms_incoming"), body, content_type="application/json", headers=stamp(body)
    )
    assert response.status_code == 400
    assert "illisible" in response.json()["error"]
    assert not SmsExchange.objects.exists()


def test_twilio_adapter_answers_with_twiml(client, gateway, venues):
    response = post_twilio(client, {"From": "+33639982222", "Body": "Villeneuve d'Ascq", "To": "+33639980000"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "M&#233;diath&#232;que" in body or "Médiathèque" in body
    assert "d&apos;" not in body  # apostrophes need no escaping in element text
    assert SmsExchange.objects.get().adapter == "twilio"


@pytest.mark.parametrize("signature", ["", "RSOYDt4T1cUTdK1PDd93/VVr8B8="])
def test_twilio_adapter_refuses_bad_signatures(client, gateway, venues, signature):
    response = post_twilio(client, {"From": "+33639982222", "Body": "59000"}, signature=signature)
    assert response.status_code == 403
    assert response.content == b""
    assert not SmsExchange.objects.exists()


def test_twilio_adapter_refuses_tampered_bodies(client, gateway, venues):
    url = "http://testserver" + reverse("directory:sms_incoming")
    signed = {"From": "+33639982222", "Body": "59000", "MessageSid": "SM" + "0" * 32}
    sig = adapters.twilio_signature(TWILIO_TOKEN, url, signed)
    response = post_twilio(client, {**signed, "Body": "62000"}, signature=sig)
    assert response.status_code == 403


def test_twilio_adapter_fails_closed_without_token(client, gateway, venues):
    gateway.TWILIO_AUTH_TOKEN = ""
    response = post_twilio(client, {"From": "+33639982222", "Body": "59000"}, token="")
    assert response.status_code == 403


def test_webhook_only_accepts_post(client, gateway):
    assert client.get(reverse("directory:sms_incoming")).status_code == 405


def test_it_rate_limits_each_sender(client, gateway, venues):
    for _ in range(3):
        assert "Lille" in post_generic(client, {"from": "06 39 98 11 11", "text": "59000"}).json()["reply"]
    limited = post_generic(client, {"from": "0639981111", "text": "59000"}).json()["reply"]
    assert "Trop de demandes" in limited
    assert_sendable(limited)
    # After telling once, silence.
    assert post_generic(client, {"from": "+33 6 39 98 11 11".replace("+33 6", "06"), "text": "59000"}).json() == {
        "reply": ""
    }
    # Another sender is not affected.
    assert "Lille" in post_generic(client, {"from": "+33639983333", "text": "59000"}).json()["reply"]
    # The « too many » notice is logged; the silent drop after it is not (issue 17).
    assert SmsExchange.objects.filter(rate_limited=True).count() == 1
    assert SmsExchange.objects.filter(rate_limited=False).count() == 4


def test_it_never_stores_the_number_in_clear(client, gateway, venues):
    post_generic(client, {"from": "+33639984444", "text": "59000"})
    post_twilio(client, {"From": "+33639985555", "Body": "AIDE"})
    for exchange in SmsExchange.objects.all():
        for field in ("sender_hash", "query", "reply", "adapter"):
            value = getattr(exchange, field)
            assert "39984444" not in value and "39985555" not in value
    assert SmsExchange.objects.filter(sender_hash=ratelimit.sender_hash("+33639984444")).count() == 1
    assert ratelimit.sender_hash("+33639984444") == hmac.new(b"secret-de-test", b"+33639984444", "sha256").hexdigest()


def test_stats_count_exchanges_per_day_and_list_unanswered(client, gateway, venues):
    post_generic(client, {"from": "+33639986666", "text": "59000"})
    post_generic(client, {"from": "+33639986666", "text": "AIDE"})
    post_generic(client, {"from": "+33639986666", "text": "99999"})
    row = stats.daily_counts().get(day=timezone.localdate())
    assert (row["total"], row["answered_count"], row["unanswered_count"], row["rate_limited_count"]) == (3, 1, 2, 0)
    assert sorted(stats.unanswered().values_list("query", flat=True)) == ["99999", "AIDE"]


def test_exchanges_are_logged_without_scenario_leak(venues):
    # Guard: the closure used above names an SMS channel that stays open.
    closed = venues.lille.venues.get(name="Espace fermé joignable")
    assert closed.status_on() == enums.VenueStatus.TEMPORARILY_CLOSED


def test_replies_stay_french_whatever_the_gateway_language(client, gateway, venues):
    body = json.dumps({"from": "+33639987777", "text": "AIDE"}).encode()
    # The locale middleware activates the requested language in this thread: restore it after.
    with translation.override("fr"):
        response = client.post(
            reverse("directory:sms_incoming"),
            body,
            content_type="application/json",
            headers={**stamp(body), "Accept-Language": "en"},
        )
    assert "code postal" in response.json()["reply"]
