"""The authorisation matrix, through the admin's real URLs.

Every role (anonymous, mediator of A, manager of A, mediator of B, staff of 59, staff of 62,
superuser) × every object type × view / add / change / delete / history / bulk action, on the
objects of structure A (Lille, 59), B (Pévèle, 59) and C (Arras, 62). ``expected`` is the rule
of the issue written out independently of the code; each case performs the request and checks
both the answer and the stored data."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from directory import enums
from directory.models import (
    Channel,
    ClosurePeriod,
    DepartementStaff,
    Invitation,
    Membership,
    PartnerKey,
    Report,
    Structure,
    Venue,
)
from tests.admin_world import ROLES, build_world, login, scrape_form

MODELS = {
    "venue": Venue,
    "channel": Channel,
    "closureperiod": ClosurePeriod,
    "structure": Structure,
    "membership": Membership,
    "invitation": Invitation,
    "report": Report,
    "departementstaff": DepartementStaff,
    "partnerkey": PartnerKey,
}
TARGETS = ["a", "b", "c"]
MEMBER_OF = {"mediator_a": {"a"}, "manager_a": {"a"}, "mediator_b": {"b"}}
MANAGER_OF = {"manager_a": {"a"}}
STAFF_OF = {"staff_59": {"a", "b"}, "staff_62": {"c"}}


def expected(role, model, op, target):
    if role == "anonymous":
        return False
    su = role == "superuser"
    member = target in MEMBER_OF.get(role, set())
    manager = target in MANAGER_OF.get(role, set())
    staff = target in STAFF_OF.get(role, set())
    if model in {"venue", "channel", "closureperiod"}:
        if op in {"view", "history"}:
            return su or member or staff
        if op == "change":
            return su or member
        if op == "add":
            return su or role in MEMBER_OF
        if op == "delete":
            # Deleting a venue: its structure's managers (mediators declare a closure instead).
            return su or manager if model == "venue" else su or member
        if op == "bulk":
            # Venues: « Confirmer que les informations sont à jour » (staff may confirm);
            # channels and closures: bulk delete.
            return su or member or staff if model == "venue" else su or member
    if model == "structure":
        if op in {"view", "history"}:
            return su or member or staff
        if op == "change":
            return su or member
        # Venues protect their structure: nobody deletes a structure that has venues.
        if op in {"delete", "bulk"}:
            return False
        return su  # add
    if model == "membership":
        if op in {"view", "history"}:
            return su or member
        if op in {"change", "delete", "bulk"}:
            return su or manager
        return su  # add: members arrive through invitations
    if model == "invitation":
        if op in {"view", "history", "delete", "bulk"}:
            return su or manager
        if op == "change":
            return False  # an invitation is revoked and re-sent, never edited
        return su or role in MANAGER_OF  # add
    if model == "report":
        if op in {"view", "history", "change", "bulk"}:
            return su or member or staff
        if op == "delete":
            return su or manager
        return False  # add: residents use the public form
    if model == "departementstaff":
        return su
    if model == "partnerkey":
        # Partner keys (issue 19): superusers, and département staff for their départements.
        return su or (role in STAFF_OF if op == "add" else staff)
    raise AssertionError(model)


def cases():
    for role in ROLES:
        for model in MODELS:
            yield role, model, "add", "a"
            for op in ["view", "change", "delete", "history", "bulk"]:
                for target in TARGETS:
                    yield role, model, op, target


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        built = build_world()
    yield built
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def url(model, suffix, *args):
    return reverse(f"admin:directory_{model}_{suffix}", args=args)


# One field per type that an editor would change, and its new value.
EDITS = {
    "venue": ("name", "Nom modifié"),
    "channel": ("label", "Intitulé modifié"),
    "closureperiod": ("public_message", "Message modifié"),
    "structure": ("name", "Structure renommée"),
    "membership": ("role", enums.MembershipRole.MANAGER),
    "invitation": ("email", "autre@example.org"),
    "report": ("status", enums.ReportStatus.CLOSED),
    "departementstaff": ("departement", None),  # filled with the other département
    "partnerkey": ("name", "Partenaire renommé"),
}


def object_for(world, model, target):
    if model == "departementstaff":
        return DepartementStaff.objects.get(user__username="staff_62" if target == "c" else "staff_59")
    return getattr(world.objects[target], model)


def do_change(client, world, model, obj):
    field, value = EDITS[model]
    if model == "departementstaff":
        value = "59" if obj.departement_id == "62" else "62"
    if model == "membership":
        value = enums.MembershipRole.MEDIATOR if obj.role == enums.MembershipRole.MANAGER else value
    admin_client = Client()
    admin_client.force_login(world.users["superuser"])
    page = admin_client.get(url(model, "change", obj.pk))
    data = scrape_form(page.content.decode(), f"{model}_form")
    data[field] = [value]
    response = client.post(url(model, "change", obj.pk), data)
    fresh = type(obj).objects.get(pk=obj.pk)
    changed = str(getattr(fresh, field if field != "departement" else "departement_id")) == str(value)
    return response, changed


@pytest.mark.parametrize(("role", "model", "op", "target"), list(cases()))
def test_permission_matrix(client, db, world, role, model, op, target):
    login(client, world, role)
    allowed = expected(role, model, op, target)
    obj = object_for(world, model, target)
    Model = MODELS[model]

    if op == "add":
        response = client.get(url(model, "add"))
        assert (response.status_code == 200) is allowed, response.status_code
        return
    if op == "view":
        response = client.get(url(model, "change", obj.pk))
        assert (response.status_code == 200) is allowed, response.status_code
        return
    if op == "history":
        response = client.get(url(model, "history", obj.pk))
        assert (response.status_code == 200) is allowed, response.status_code
        return
    if op == "change":
        response, changed = do_change(client, world, model, obj)
        assert changed is allowed, (response.status_code, response.content[:2000])
        if not allowed:
            assert response.status_code in {200, 302, 403}
        return
    if op == "delete":
        response = client.post(url(model, "delete", obj.pk), {"post": "yes"})
        assert (not Model.objects.filter(pk=obj.pk).exists()) is allowed, response.status_code
        return
    if op == "bulk":
        if model == "venue":
            response = client.post(
                url(model, "changelist"), {"action": "confirm_selected", "_selected_action": [obj.pk]}
            )
            confirmed = Venue.objects.get(pk=obj.pk).verified_by_id
            assert (role != "anonymous" and confirmed == world.users[role].pk) is allowed
        elif model == "report":
            client.post(url(model, "changelist"), {"action": "close_selected", "_selected_action": [obj.pk]})
            report = Report.objects.get(pk=obj.pk)
            closed = report.status == enums.ReportStatus.CLOSED
            assert closed is allowed
            if allowed:
                assert report.closed_by == world.users[role]
        else:
            client.post(
                url(model, "changelist"),
                {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
            )
            assert (not Model.objects.filter(pk=obj.pk).exists()) is allowed
        return
    raise AssertionError(op)


# --- the open-data import (/gestion/import/): who may import, and which rows ------------------

IMPORT_EXPECTED = {
    # role: (status of the page, communes of the rows imported from a Lille + Arras file)
    "anonymous": (302, set()),
    "mediator_a": (403, set()),
    "manager_a": (403, set()),
    "mediator_b": (403, set()),
    "staff_59": (200, {"59350"}),
    "staff_62": (200, {"62041"}),
    "superuser": (200, {"59350", "62041"}),
}


@pytest.mark.parametrize("role", ROLES)
def test_import_matrix(client, db, world, role, settings, tmp_path):
    import csv
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_import import example_row

    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    status, communes = IMPORT_EXPECTED[role]
    login(client, world, role)
    assert client.get("/gestion/import/").status_code == status
    rows = [
        dict(example_row(), id="matrice-lille", code_insee="59350", commune="Lille", code_postal="59000"),
        dict(example_row(), id="matrice-arras", code_insee="62041", commune="Arras", code_postal="62000"),
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("lieux.csv", buffer.getvalue().encode(), "text/csv")
    checked = client.post("/gestion/import/", {"step": "upload", "file": upload})
    assert checked.status_code == status
    if status == 200:
        token = checked.context.get("token")
        assert bool(token) is bool(communes)
        if token:
            client.post("/gestion/import/", {"step": "confirm", "token": token, "partial": "1"})
    imported = set(Venue.objects.filter(external_id__startswith="matrice-").values_list("commune_id", flat=True))
    assert imported == communes


# --- likely duplicates: review, merge, mark distinct (directory/admin/duplicates.py) ---------


def expected_for_duplicates(role, op, target):
    """Superusers, and département staff for pairs of their départements; mediators and
    structure managers never (they tell their département staff)."""
    return role == "superuser" or target in STAFF_OF.get(role, set())


@pytest.mark.parametrize(
    ("role", "op", "target"),
    [(role, op, target) for role in ROLES for op in ["review", "merge", "distinct"] for target in TARGETS],
)
def test_duplicates_matrix(client, db, world, role, op, target):
    from directory.duplicates import Features, pair_values
    from directory.models import LikelyDuplicate
    from tests.factories import VenueFactory

    venue = world.objects[target].venue
    twin = VenueFactory(
        name=venue.name, address=venue.address, structure=venue.structure, commune=venue.commune,
        postal_code=venue.postal_code,
    )  # fmt: skip
    pair = LikelyDuplicate.objects.create(
        **pair_values(venue.pk, twin.pk, Features(name_similarity=1.0, same_address=True, same_commune=True), "scan")
    )
    login(client, world, role)
    allowed = expected_for_duplicates(role, op, target)
    review = reverse("admin:directory_likelyduplicate_review", args=[pair.pk])
    if op == "review":
        assert (client.get(review).status_code == 200) is allowed
        return
    if op == "merge":
        data = {"merge": "1", "survivor": str(venue.pk)}
        data |= {f"version_{v.pk}": str(Venue.objects.get(pk=v.pk).version) for v in (venue, twin)}
        client.post(review, data)
        assert (not Venue.objects.filter(pk=twin.pk).exists()) is allowed
        assert Venue.objects.filter(pk=venue.pk).exists()
        return
    client.post(review, {"distinct": "1"})
    distinct = LikelyDuplicate.objects.get(pk=pair.pk).status == enums.DuplicateStatus.DISTINCT
    assert distinct is allowed


# --- SMS exchanges (issue 17, finding 12) --------------------------------------------------
# What residents typed by SMS: the staff of the département it was about read it, superusers
# read all (alone those about no département); nobody adds, edits or deletes an exchange.
SMS_TARGETS = {"59": "59", "62": "62", "none": None}
SMS_STAFF_OF = {"staff_59": "59", "staff_62": "62"}


def sms_expected(role, op, target):
    if op != "view":
        return False
    return role == "superuser" or (target != "none" and SMS_STAFF_OF.get(role) == target)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("target", list(SMS_TARGETS))
@pytest.mark.parametrize("op", ["view", "add", "change", "delete"])
def test_sms_exchange_matrix(client, db, world, role, target, op):
    from directory.models import SmsExchange

    exchange = SmsExchange.objects.create(
        sender_hash="f" * 64, adapter="generic", query=f"texte {target}", reply="…", departement_id=SMS_TARGETS[target]
    )
    login(client, world, role)
    allowed = sms_expected(role, op, target)
    if op == "view":
        response = client.get(url("smsexchange", "change", exchange.pk))
        assert (response.status_code == 200) is allowed, response.status_code
        listed = client.get(url("smsexchange", "changelist"))
        shown = listed.status_code == 200 and exchange in listed.context["cl"].result_list
        assert shown is allowed
    elif op == "add":
        assert client.get(url("smsexchange", "add")).status_code != 200
    elif op == "change":
        client.post(url("smsexchange", "change", exchange.pk), {"query": "modifié"})
        assert SmsExchange.objects.get(pk=exchange.pk).query == f"texte {target}"
    else:
        client.post(url("smsexchange", "delete", exchange.pk), {"post": "yes"})
        assert SmsExchange.objects.filter(pk=exchange.pk).exists()


# --- « Mon lieu » and the moderation of suggestions (issue 15) ---------------------------------


def expected_workspace(role, op, target):
    """« Mon lieu » (open, confirm, « Le lien fonctionne » on a flagged channel) and a change
    suggestion: the venue's members; a new-venue suggestion in the target's département: that
    département's staff; superusers: all."""
    if role == "anonymous":
        return False
    if role == "superuser":
        return True
    if op == "moderate_new_venue":
        return target in STAFF_OF.get(role, set())
    return target in MEMBER_OF.get(role, set())


WORKSPACE_OPS = ["open", "confirm", "channel_works", "moderate_change", "moderate_new_venue"]


@pytest.mark.parametrize(("role", "op", "target"), [(r, op, t) for r in ROLES for op in WORKSPACE_OPS for t in TARGETS])
def test_workspace_and_moderation_matrix(client, db, world, role, op, target):
    from directory.models import Suggestion

    login(client, world, role)
    allowed = expected_workspace(role, op, target)
    venue = world.objects[target].venue
    denied = 302 if role == "anonymous" else 404
    if op == "open":
        response = client.get(reverse("directory:workspace_venue", args=[venue.pk]))
        assert response.status_code == (200 if allowed else denied)
        return
    if op == "confirm":
        Venue.objects.filter(pk=venue.pk).update(verified_by=None, verified_at=None)
        page_url = reverse("directory:workspace_venue", args=[venue.pk])
        page = client.get(page_url)  # what a browser would post (nothing for a refused page)
        data = scrape_form(page.content.decode()) if page.status_code == 200 else {}
        client.post(page_url, {**data, "confirm_only": "1"})
        confirmed_by = Venue.objects.get(pk=venue.pk).verified_by_id
        assert (role != "anonymous" and confirmed_by == world.users[role].pk) is allowed
        return
    if op == "channel_works":
        # Issue 19: confirming that a flagged channel works is an edit of the venue (can_edit).
        import datetime

        from django.utils import timezone

        from directory.models import ChannelCheck

        channel = world.objects[target].channel
        now = timezone.now()
        ChannelCheck.objects.create(
            channel=channel, checked_at=now, failing_since=now - datetime.timedelta(days=2), failures=3, reason="x"
        )
        if role != "anonymous":
            assert venue.can_edit(world.users[role]) is allowed
        response = client.post(reverse("directory:workspace_channel_works", args=[venue.pk, channel.pk]))
        assert response.status_code == (302 if allowed else denied)
        confirmed_by = ChannelCheck.objects.get(channel=channel).confirmed_by_id
        assert (role != "anonymous" and confirmed_by == world.users[role].pk) is allowed
        return
    if op == "moderate_change":
        suggestion = Suggestion.objects.create(kind=enums.SuggestionKind.CHANGE, venue=venue, comment="x")
    else:
        suggestion = Suggestion.objects.create(
            kind=enums.SuggestionKind.NEW_VENUE,
            commune=venue.commune,
            departement_id=venue.commune.departement_id,
            name="Nouveau lieu",
            comment="x",
        )
    queue = client.get(reverse("directory:moderation_queue"))
    detail = reverse("directory:moderation", args=[suggestion.pk])
    if role != "anonymous":
        assert (detail in queue.content.decode()) is allowed
    assert client.get(detail).status_code == (200 if allowed else denied)
    client.post(detail, {"refuse": "1"})
    suggestion.refresh_from_db()
    assert (suggestion.status == enums.SuggestionStatus.REFUSED) is allowed


# --- invitations answered by the invited account only (issue 17, findings 1 and 13) ---------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_invitation_answer_matrix(client, db, world, role, answer):
    """An invitation to an existing account (mediator_b, into structure A) is answered by that
    account alone, signed in: every other role gets the login page or a 404, and nothing
    changes; the invited account's answer never touches its password, flags or other rights."""
    invited = world.users["mediator_b"]
    invitation = Invitation.objects.create(
        structure=world.structures["a"], email=invited.email or "b@example.org", user=invited
    )
    before = type(invited).objects.values("password", "is_active", "is_staff", "is_superuser").get(pk=invited.pk)
    login(client, world, role)
    target = reverse("directory:invitation_respond", args=[invitation.pk])
    page = client.get(target)
    response = client.post(target, {"answer": answer})
    allowed = role == "mediator_b"
    if role == "anonymous":
        assert page.status_code == 302 and "/login/" in page["Location"]
    else:
        assert (page.status_code == 200) is allowed, page.status_code
        assert (response.status_code == 302) is allowed, response.status_code
    invitation.refresh_from_db()
    joined = Membership.objects.filter(user=invited, structure=world.structures["a"]).exists()
    assert joined is (allowed and answer == "accept")
    assert (invitation.declined_at is not None) is (allowed and answer == "decline")
    after = type(invited).objects.values("password", "is_active", "is_staff", "is_superuser").get(pk=invited.pk)
    assert after == before
