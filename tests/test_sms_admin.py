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
        sender_hash="a" * 64, adapter="generic", query="59000", reply="...", answered=True, venues_count=3
    )
    SmsExchange.objects.create(sender_hash="b" * 64, adapter="generic", query="zzz", reply="AIDE", answered=False)
    return world


@pytest.mark.parametrize("role", ["staff_59", "staff_62", "superuser"])
def test_staff_read_daily_counts_and_unanswered_queries(client, world, role):
    login(client, world, role)
    response = client.get(reverse(LIST))
    assert response.status_code == 200
    rows = response.context["daily_counts"]
    assert [(r["total"], r["answered_count"], r["unanswered_count"]) for r in rows] == [(2, 1, 1)]
    content = response.content.decode()
    assert "zzz" in content
    assert "a" * 64 not in content
    unanswered = client.get(reverse(LIST), {"answered__exact": "0"})
    assert [e.query for e in unanswered.context["cl"].result_list] == ["zzz"]


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
