"""SMS statistics in the admin: département staff and superusers read them, nobody edits them,
and the sender hash is never shown."""

import pytest
from django.urls import reverse

from directory.models import SmsExchange
from tests.admin_world import build_world, login

pytestmark = pytest.mark.django_db

LIST = "admin:directory_smsexchange_changelist"


@pytest.fixture
def world():
    world = build_world()
    SmsExchange.objects.create(
        sender_hash="a" * 64,
        adapter="generic",
        query="59000",
        reply="...",
        answered=True,
        venues_count=3,
        departement_id="59",
    )
    SmsExchange.objects.create(sender_hash="c" * 64, adapter="generic", query="62999", reply="...", departement_id="62")
    SmsExchange.objects.create(sender_hash="b" * 64, adapter="generic", query="zzz", reply="AIDE", answered=False)
    return world


# Each reader sees the exchanges about their départements; those about none, superusers only.
READS = {"staff_59": ["59000"], "staff_62": ["62999"], "superuser": ["59000", "62999", "zzz"]}


@pytest.mark.parametrize("role", ["staff_59", "staff_62", "superuser"])
def test_staff_read_daily_counts_and_unanswered_queries_of_their_departements(client, world, role):
    login(client, world, role)
    response = client.get(reverse(LIST))
    assert response.status_code == 200
    readable = READS[role]
    assert sorted(e.query for e in response.context["cl"].result_list) == readable
    rows = response.context["daily_counts"]
    answered = int("59000" in readable)
    assert [(r["total"], r["answered_count"], r["unanswered_count"]) for r in rows] == [
        (len(readable), answered, len(readable) - answered)
    ]
    content = response.content.decode()
    assert ("zzz" in content) is (role == "superuser")
    assert "a" * 64 not in content
    unanswered = client.get(reverse(LIST), {"answered__exact": "0"})
    assert sorted(e.query for e in unanswered.context["cl"].result_list) == [q for q in readable if q != "59000"]
    for exchange in SmsExchange.objects.all():
        page = client.get(reverse("admin:directory_smsexchange_change", args=[exchange.pk]))
        assert (page.status_code == 200) is (exchange.query in readable), (exchange.query, page.status_code)


@pytest.mark.parametrize("role", ["mediator_a", "manager_a"])
def test_mediators_do_not_see_sms_statistics(client, world, role):
    login(client, world, role)
    assert client.get(reverse(LIST)).status_code == 403


def test_nobody_edits_an_exchange(client, world):
    login(client, world, "superuser")
    exchange = SmsExchange.objects.first()
    assert client.get(reverse("admin:directory_smsexchange_add")).status_code == 403
    change = client.get(reverse("admin:directory_smsexchange_change", args=[exchange.pk]))
    assert change.status_code == 200 and "a" * 64 not in change.content.decode()
    client.post(reverse("admin:directory_smsexchange_change", args=[exchange.pk]), {"query": "changed"})
    exchange.refresh_from_db()
    assert exchange.query != "changed"
    client.post(reverse("admin:directory_smsexchange_delete", args=[exchange.pk]), {"post": "yes"})
    assert SmsExchange.objects.filter(pk=exchange.pk).exists()
