"""manage.py load_demo: complete, idempotent, safe outside DEBUG."""

import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from directory import enums
from directory.data import demo
from directory.hours import parse
from directory.models import Channel, ClosurePeriod, Departement, DepartementStaff, Membership, Structure, Venue

FICTION_E164 = re.compile(r"^\+33(35301|63998)\d{4}$")


@pytest.fixture
def territories(db):
    call_command("load_territories", departements="59,62", no_progress=True, verbosity=0)


def load_demo(**options):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def snapshot():
    return {
        "venues": sorted(Venue.objects.values_list("pk", "external_id")),
        "channels": sorted(Channel.objects.values_list("pk", "kind", "value")),
        "closures": sorted(ClosurePeriod.objects.values_list("pk", "starts_on", "ends_on")),
        "structures": sorted(Structure.objects.values_list("pk", "pivot")),
    }


def test_it_loads_a_demo_that_exercises_every_kind_scenario_status_and_area(territories):
    load_demo(no_accounts=True)
    today = timezone.localdate()
    venues = Venue.objects.filter(source=demo.SOURCE).prefetch_related("closures", "channels")

    assert venues.count() >= 40
    assert set(Channel.objects.values_list("kind", flat=True)) == set(enums.ChannelKind.values)
    assert set(Channel.objects.values_list("scenario", flat=True)) == {1, 2, 3}
    assert set(venues.values_list("service_area", flat=True)) == set(enums.ServiceArea.values)
    assert {v.status_on(today) for v in venues} == set(enums.VenueStatus)

    # Venues reachable only by connected residents, and venues reachable with nothing at all.
    assert venues.reachable_in(3).exclude(pk__in=venues.reachable_in(2)).exists()
    assert venues.reachable_in(1).exists()
    # Every status variant: closed now with and without end date, a future closure, closed for good.
    closed_now = ClosurePeriod.objects.covering(today)
    assert closed_now.filter(ends_on__isnull=True).exists()
    assert closed_now.filter(ends_on__isnull=False).exists()
    assert ClosurePeriod.objects.filter(starts_on__gt=today).exists()
    assert venues.permanently_closed_on(today).exists()
    assert venues.stale().filter(verified_at__isnull=True).exists()
    assert venues.stale().filter(verified_at__isnull=False).exists()
    assert venues.fresh().exists()
    assert venues.filter(service_area=enums.ServiceArea.COMMUNES, service_area_communes__isnull=False).exists()


def test_it_uses_fiction_numbers_valid_hours_and_coherent_addresses(territories):
    load_demo(no_accounts=True)
    venues = Venue.objects.filter(source=demo.SOURCE).select_related("commune")

    numbers = Channel.objects.filter(kind__in=["phone", "sms"]).values_list("value", flat=True)
    whatsapp_numbers = Channel.objects.filter(kind="whatsapp", value__startswith="+").values_list("value", flat=True)
    assert numbers and whatsapp_numbers
    assert all(FICTION_E164.match(n) for n in [*numbers, *whatsapp_numbers])
    assert all(
        v.startswith("https://chat.whatsapp.com/")
        for v in Channel.objects.filter(kind="whatsapp", value__startswith="http").values_list("value", flat=True)
    )
    for venue in venues:
        assert venue.postal_code in venue.commune.postal_codes, venue.name
        assert venue.commune.departement_id in {"59", "62"}
        assert not venue.opening_hours or parse(venue.opening_hours) is not None, venue.opening_hours
        if venue.latitude is not None:
            assert 49.9 < venue.latitude < 51.1 and 1.5 < venue.longitude < 4.3, venue.name
    assert {v.commune.departement_id for v in venues} == {"59", "62"}
    for code in ("59", "62"):
        departement = Departement.objects.get(code=code)
        assert departement.contact_label
        assert FICTION_E164.match(departement.contact_phone)


def test_the_closed_lille_centre_has_a_message_and_a_door_sign_listing_its_channels(territories):
    load_demo(no_accounts=True)
    fives = Venue.objects.get(source=demo.SOURCE, external_id="lille-cs-fives")
    closure = fives.current_closure(timezone.localdate())

    assert fives.status == enums.VenueStatus.TEMPORARILY_CLOSED
    assert closure.public_message and closure.ends_on
    sign = fives.channels.get(kind="signage")
    assert "03 53 01" in sign.value and "06 39 98" in sign.value and "@" in sign.value
    assert set(closure.open_channels.values_list("kind", flat=True)) == {"phone", "sms", "email"}


def test_a_second_run_duplicates_nothing_and_writes_nothing(territories):
    load_demo(no_accounts=True)
    before = snapshot()

    out, _err = load_demo(no_accounts=True)

    assert snapshot() == before
    assert f"{len(demo.VENUES)} inchangés" in out


def test_a_rerun_restores_edited_demo_venues(territories):
    load_demo(no_accounts=True)
    venue = Venue.objects.get(source=demo.SOURCE, external_id="lille-cs-moulins")
    count = venue.channels.count()
    venue.channels.first().delete()
    Venue.objects.filter(pk=venue.pk).update(name="Nom modifié")

    out, _err = load_demo(no_accounts=True)

    venue.refresh_from_db()
    assert venue.name == "Centre social de Moulins"
    assert venue.channels.count() == count
    assert "1 mis à jour" in out
    assert Venue.objects.filter(source=demo.SOURCE).count() == len(demo.VENUES)


def test_demo_accounts_log_in_with_the_demo_password(territories, settings, rf):
    settings.DEBUG = True
    load_demo()
    load_demo()  # idempotent for accounts too
    User = get_user_model()

    for username in demo.ACCOUNTS:
        user = authenticate(rf.post("/admin/login/"), username=username, password="gardezlelien")
        assert user is not None, username
        assert user.is_staff
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="mediatrice.lille").is_superuser
    lille = Membership.objects.get(user__username="mediatrice.lille")
    assert lille.structure.name == "Ville de Lille — centres sociaux"
    assert lille.role == enums.MembershipRole.MEDIATOR
    assert Membership.objects.get(user__username="mediateur.pevele").structure.name == "CC Pévèle-Carembault"
    assert DepartementStaff.objects.get(user__username="agent.nord").departement_id == "59"
    assert Membership.objects.count() == 2 and DepartementStaff.objects.count() == 1
    # The Lille mediator may edit her structure's venues, not the others.
    mediatrice = User.objects.get(username="mediatrice.lille")
    editable = Venue.objects.editable_by(mediatrice)
    assert editable.filter(external_id="lille-cs-fives").exists()
    assert not editable.filter(external_id="pevele-templeuve").exists()


def test_accounts_are_skipped_with_a_warning_when_debug_is_off(territories, settings):
    settings.DEBUG = False

    out, err = load_demo()

    assert not get_user_model().objects.exists()
    assert "DEBUG est désactivé" in err
    assert Venue.objects.filter(source=demo.SOURCE).count() == len(demo.VENUES)


def test_it_asks_to_load_territories_first(db):
    with pytest.raises(CommandError, match="load_territories"):
        load_demo(no_accounts=True)
    assert not Venue.objects.exists()


def test_with_territories_loads_nord_and_pas_de_calais_first(db):
    load_demo(no_accounts=True, with_territories=True)

    assert Venue.objects.filter(source=demo.SOURCE).count() == len(demo.VENUES)
    assert set(Departement.objects.filter(communes__isnull=False).values_list("code", flat=True)) == {"59", "62"}
