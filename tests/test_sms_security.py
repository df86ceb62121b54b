"""SMS webhook hardening (issue 17, findings 6, 7, 12 and 15): replays refused, senders
normalised before hashing, HMAC with a dedicated secret, hostile bodies answered 400 or
sanitised, exchanges scoped to the staff's départements and their free text kept for a
limited time."""

import datetime
import hashlib
import hmac
import json
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import SmsExchange
from directory.sms import adapters, ratelimit
from directory.sms.service import respond
from tests.factories import VenueFactory

SECRET = "secret-de-test-webhook"
TWILIO_TOKEN = "jeton-twilio-de-test"
URL = "/sms/entrant/"


@pytest.fixture
def gateway(settings, hauts_de_france):
    settings.SMS_WEBHOOK_SECRET = SECRET
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    settings.SMS_RATE_LIMIT_PER_HOUR = 3
    settings.SMS_HASH_SECRET = "secret-des-empreintes"
    VenueFactory(name="Centre social Lille Moulins", commune=hauts_de_france.lille, postal_code="59000")
    return hauts_de_france


def signed(body: bytes, timestamp=None, nonce=None, secret=SECRET):
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    nonce = nonce or hashlib.sha256(body + timestamp.encode() + str(time.perf_counter_ns()).encode()).hexdigest()[:24]
    return {
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature": adapters.generic_signature(secret, adapters.signed_message(body, timestamp, nonce)),
    }


def post(client, body: bytes, headers):
    return client.post(reverse("directory:sms_incoming"), body, content_type="application/json", headers=headers)


def payload(sender="+33639981111", text="59000"):
    return json.dumps({"from": sender, "text": text}).encode()


# --- 6: replays ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_replayed_generic_request_is_refused_and_stores_nothing(client, gateway):
    body, headers = payload(), signed(payload())
    assert post(client, body, headers).status_code == 200
    replay = post(client, body, headers)
    assert replay.status_code == 403
    assert SmsExchange.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("age", [-400, 400, 100_000])
def test_a_stale_or_future_timestamp_is_refused(client, gateway, age):
    body = payload()
    assert post(client, body, signed(body, timestamp=int(time.time()) - age)).status_code == 403
    assert not SmsExchange.objects.exists()


@pytest.mark.django_db
def test_the_timestamp_and_nonce_are_signed(client, gateway):
    body = payload()
    headers = signed(body)
    assert post(client, body, {**headers, "X-Nonce": headers["X-Nonce"] + "x"}).status_code == 403
    assert post(client, body, {**headers, "X-Timestamp": str(int(headers["X-Timestamp"]) - 1)}).status_code == 403
    # The old body-only signature no longer passes.
    old = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert post(client, body, {"X-Signature": old}).status_code == 403
    assert not SmsExchange.objects.exists()


def twilio(client, params, sid="SM" + "1" * 32):
    params = {**params, "MessageSid": sid} if sid else params
    url = "http://testserver" + reverse("directory:sms_incoming")
    sig = adapters.twilio_signature(TWILIO_TOKEN, url, params)
    return client.post(reverse("directory:sms_incoming"), params, headers={"X-Twilio-Signature": sig})


@pytest.mark.django_db
def test_a_replayed_twilio_message_is_refused(client, gateway):
    assert twilio(client, {"From": "+33639982222", "Body": "59000"}).status_code == 200
    assert twilio(client, {"From": "+33639982222", "Body": "59000"}).status_code == 403
    assert twilio(client, {"From": "+33639982222", "Body": "59000"}, sid="SM" + "2" * 32).status_code == 200
    assert twilio(client, {"From": "+33639982222", "Body": "59000"}, sid="").status_code == 400
    assert SmsExchange.objects.count() == 2


@pytest.mark.parametrize("writing", ["06 39 98 11 11", "+33639981111", "0033639981111", "+33 6 39 98 11 11"])
def test_every_writing_of_a_number_is_one_sender(settings, writing):
    settings.SMS_HASH_SECRET = "secret-des-empreintes"
    assert ratelimit.sender_hash(writing) == ratelimit.sender_hash("+33639981111")


@pytest.mark.django_db
def test_writings_of_one_number_share_one_limit(client, gateway):
    for writing in ["0639981111", "+33639981111", "0033639981111"]:
        assert "Lille" in post(client, payload(writing), signed(payload(writing))).json()["reply"]
    limited = post(client, payload("06.39.98.11.11"), signed(payload("06.39.98.11.11"))).json()["reply"]
    assert "Trop de demandes" in limited


@pytest.mark.django_db
def test_silently_dropped_messages_store_no_row(gateway, settings):
    settings.SMS_RATE_LIMIT_PER_HOUR = 1
    replies = [respond("+33639981111", "59000", "generic") for _ in range(6)]
    assert replies[2:] == ["", "", "", ""]
    # The answer and the one « too many » notice; nothing for the four silent drops.
    assert SmsExchange.objects.count() == 2
    assert SmsExchange.objects.filter(rate_limited=True).count() == 1


# --- 15: pseudonymisation ------------------------------------------------------------------


def test_the_sender_hash_is_an_hmac_with_the_dedicated_secret(settings):
    settings.SMS_HASH_SECRET = "secret-des-empreintes"
    expected = hmac.new(b"secret-des-empreintes", b"+33639981111", hashlib.sha256).hexdigest()
    assert ratelimit.sender_hash("06 39 98 11 11") == expected
    settings.SECRET_KEY = "autre-cle"
    assert ratelimit.sender_hash("06 39 98 11 11") == expected  # the secret key plays no part


@pytest.mark.django_db
def test_without_a_hash_secret_the_webhook_fails_closed(client, gateway, settings):
    settings.SMS_HASH_SECRET = ""
    assert post(client, payload(), signed(payload())).status_code == 403
    assert not SmsExchange.objects.exists()


def test_deploy_check_requires_a_dedicated_hash_secret(settings):
    from directory.checks import check_sms_hash_secret

    settings.SMS_HASH_SECRET = ""
    assert [e.id for e in check_sms_hash_secret(None)] == ["directory.E001"]
    settings.SMS_HASH_SECRET = settings.SECRET_KEY
    assert [e.id for e in check_sms_hash_secret(None)] == ["directory.E001"]
    settings.SMS_HASH_SECRET = "court"
    assert [e.id for e in check_sms_hash_secret(None)] == ["directory.E001"]
    settings.SMS_HASH_SECRET = "x" * 16 + "un-secret-long-et-aleatoire-0123456789"
    assert check_sms_hash_secret(None) == []


# --- 7: hostile bodies ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"from": "+33639981111", "text": "' + b"[" * 100 + b'"}',
        b"[" * 30_000 + b"]" * 30_000,  # under SMS_MAX_BYTES, so the parser meets it
        b'{"from": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b', "text": "x"}',
        b'{"from": "+33639981111", "text": "\xff\xfe"}',
        b'{"from": 12, "text": "59000"}',
    ],
)
def test_unreadable_bodies_get_a_400_never_a_500(client, gateway, body):
    response = post(client, body, signed(body))
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert response.json()["error"]


@pytest.mark.django_db
def test_a_nul_from_the_gsm_gateway_is_read_as_an_at_sign(client, gateway):
    # GSM 03.38 codes « @ » as 0x00: some gateways pass it on as NUL.
    body = json.dumps({"from": "+33639981111", "text": "59000 \u0000 merci"}).encode()
    response = post(client, body, signed(body))
    assert response.status_code == 200
    assert "Lille" in response.json()["reply"]
    assert "\x00" not in SmsExchange.objects.get().query


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["\ud800 59000", "59000\udfff", "\x00\x00\x00", "\u202e59000"])
def test_lone_surrogates_and_nuls_are_sanitised(client, gateway, text):
    body = json.dumps({"from": "+33639981111", "text": text}).encode()
    response = post(client, body, signed(body))
    assert response.status_code == 200
    stored = SmsExchange.objects.get().query
    assert "\x00" not in stored
    stored.encode("utf-8")  # storable and printable


@pytest.mark.django_db
@pytest.mark.parametrize("sender", ["\ud800", "\x00", "+33\x00639981111"])
def test_hostile_senders_are_answered_or_refused_cleanly(client, gateway, sender):
    body = json.dumps({"from": sender, "text": "59000"}).encode()
    response = post(client, body, signed(body))
    assert response.status_code in {200, 400}


@pytest.mark.django_db
def test_twilio_nul_and_surrogate_bodies_are_sanitised(client, gateway):
    assert twilio(client, {"From": "+33639982222", "Body": "59000\x00"}).status_code == 200
    assert "\x00" not in SmsExchange.objects.get().query


# --- 12: scope and retention ---------------------------------------------------------------


@pytest.mark.django_db
def test_exchanges_record_the_departement_they_are_about(gateway):
    respond("+33639981111", "59000", "generic")
    respond("+33639981112", "62000", "generic")
    respond("+33639981113", "Arras", "generic")
    respond("+33639981114", "AIDE", "generic")
    respond("+33639981115", "Zzyzx", "generic")
    found = dict(SmsExchange.objects.values_list("query", "departement_id"))
    assert found == {"59000": "59", "62000": "62", "Arras": "62", "AIDE": None, "Zzyzx": None}


@pytest.mark.django_db
def test_old_free_text_is_erased_by_the_nightly_maintenance(gateway, settings):
    settings.SMS_TEXT_RETENTION_DAYS = 30
    respond("+33639981111", "59000", "generic")
    respond("+33639981112", "Lille", "generic")
    old = SmsExchange.objects.get(query="59000")
    SmsExchange.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))
    call_command("maintain_directory")
    old.refresh_from_db()
    assert (old.query, old.reply, old.sender_hash) == ("", "", "")
    assert old.departement_id == "59"  # the statistics stay
    assert SmsExchange.objects.count() == 2
    recent = SmsExchange.objects.get(query="Lille")
    assert recent.reply and recent.sender_hash
