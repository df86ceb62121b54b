"""Invitations: a structure manager (or a superuser) invites by e-mail from the admin; the link
sets a password, expires, and works once. Managers remove members; mediators cannot."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from directory import enums
from directory.models import Invitation, Membership
from tests.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "un-mot-de-passe-solide-42"


@pytest.fixture
def structure():
    return StructureFactory(name="Centres sociaux de Lille")


@pytest.fixture
def manager(structure):
    return MembershipFactory(structure=structure, manager=True).user


@pytest.fixture
def mediator(structure):
    return MembershipFactory(structure=structure).user


def invite(client, user, structure, email="nouvelle@example.org", role=enums.MembershipRole.MEDIATOR):
    client.force_login(user)
    return client.post(
        reverse("admin:directory_invitation_add"), {"structure": structure.pk, "email": email, "role": role}
    )


def link_from_mail():
    match = re.search(r"https?://\S+/invitation/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return urlsplit(match.group(0)).path


def test_manager_invites_and_the_link_sets_a_password_once(
    client, django_capture_on_commit_callbacks, structure, manager
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, manager, structure)
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="nouvelle@example.org")
    assert invitation.invited_by == manager
    user = invitation.user
    assert not user.is_active and not user.has_usable_password()
    assert mail.outbox[-1].to == ["nouvelle@example.org"]
    link = link_from_mail()

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Centres sociaux de Lille" in page.content.decode()
    # Validators apply: a weak password is refused and nothing changes.
    weak = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200
    user.refresh_from_db()
    assert not user.is_active
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    user.refresh_from_db()
    assert user.is_active and user.is_staff and user.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(user=user, structure=structure, role=enums.MembershipRole.MEDIATOR).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Logged in, and the admin shows the structure's venues.
    assert client.get(reverse("admin:directory_venue_changelist")).status_code == 200

    # Reuse is refused.
    client.logout()
    again = client.get(link)
    assert again.status_code == 400
    reuse = client.post(link, {"new_password1": "autre-mot-de-passe-99", "new_password2": "autre-mot-de-passe-99"})
    assert reuse.status_code == 400
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_link_expires(client, django_capture_on_commit_callbacks, structure, manager, settings, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure)
    link = link_from_mail()
    client.logout()
    real_now = default_token_generator._now
    monkeypatch.setattr(
        default_token_generator,
        "_now",
        lambda: real_now() + datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60),
    )
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 400
    assert "plus valable" in response.content.decode()
    user = Invitation.objects.get().user
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()


def test_a_tampered_link_is_refused(client, django_capture_on_commit_callbacks, structure, manager):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure)
    link = link_from_mail()
    client.logout()
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.get("/invitation/zzz/abc-def/").status_code == 400


def test_an_existing_account_accepts_after_signing_in(client, django_capture_on_commit_callbacks, structure, manager):
    known = UserFactory(email="deja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure, email="Deja@Example.org", role=enums.MembershipRole.MANAGER)
    # Nothing joins without the person's consent.
    assert not Membership.objects.filter(user=known, structure=structure).exists()
    invitation = Invitation.objects.get()
    assert invitation.user == known and invitation.accepted_at is None and not invitation.creates_account
    body = mail.outbox[-1].body
    assert "/invitation/" not in body  # no password link for an existing account
    respond = reverse("directory:invitation_respond", args=[invitation.pk])
    assert respond in body
    assert get_user_model().objects.filter(email__iexact="deja@example.org").count() == 1

    # Someone else (the manager included) cannot answer for them.
    assert client.get(respond).status_code == 404
    assert client.post(respond, {"answer": "accept"}).status_code == 404
    client.logout()
    assert client.get(respond).status_code == 302  # to the login page

    client.force_login(known)
    assert client.get(respond).status_code == 200
    assert client.post(respond, {"answer": "accept"}).status_code == 302
    assert Membership.objects.filter(user=known, structure=structure, role=enums.MembershipRole.MANAGER).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Answered: the page is gone.
    assert client.post(respond, {"answer": "decline"}).status_code == 404


def test_an_existing_account_may_decline(client, django_capture_on_commit_callbacks, structure, manager):
    known = UserFactory(email="deja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure, email="deja@example.org")
    invitation = Invitation.objects.get()
    client.force_login(known)
    response = client.post(reverse("directory:invitation_respond", args=[invitation.pk]), {"answer": "decline"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.declined_at is not None and invitation.accepted_at is None
    assert not Membership.objects.filter(user=known, structure=structure).exists()


def test_the_manager_sees_the_same_screen_whether_or_not_the_address_has_an_account(
    client, django_capture_on_commit_callbacks, structure, manager
):
    UserFactory(email="deja@example.org")
    seen = []
    for email in ("deja@example.org", "inconnue@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = invite(client, manager, structure, email=email)
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
        message = re.search(r'<ul class="messagelist">.*?</ul>', html, re.S).group(0)
        row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(email)}.*?</tr>", html, re.S).group(0)
        # The row differs only by the invitation's own id and time.
        seen.append(re.sub(r"\d+", "N", (message + row).replace(email, "EMAIL")))
    assert seen[0] == seen[1]
    assert set(Invitation.objects.values_list("accepted_at", flat=True)) == {None}


@pytest.mark.parametrize(
    "account",
    [
        pytest.param({"is_active": False, "is_superuser": True, "is_staff": True}, id="deactivated-superuser"),
        pytest.param({"is_active": False}, id="deactivated-mediator"),
        pytest.param({"is_active": False, "unusable": True}, id="deactivated-unusable-password"),
        pytest.param({"is_active": True, "unusable": True}, id="active-unusable-password"),
        pytest.param({"is_active": False, "unusable": True, "never_logged_in": True}, id="never-used-not-invited"),
    ],
)
def test_an_invitation_never_reactivates_nor_changes_an_existing_account(
    client, django_capture_on_commit_callbacks, structure, manager, account
):
    """Issue 17, finding 1: an invitation to a deactivated account (a superuser's included) used
    to e-mail a set-password link for that account, and accepting it reactivated it."""
    target = UserFactory(
        email="cible@example.org",
        is_active=account["is_active"],
        is_staff=account.get("is_staff", True),
        is_superuser=account.get("is_superuser", False),
    )
    if account.get("unusable"):
        target.set_unusable_password()
    if account.get("never_logged_in"):
        target.last_login = None
    else:
        target.last_login = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
    target.save()
    before = get_user_model().objects.values().get(pk=target.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert invite(client, manager, structure, email="cible@example.org").status_code == 302
    assert "/invitation/" not in mail.outbox[-1].body
    # Even a forged token for that account is refused.
    uid = urlsafe_base64_encode(force_bytes(target.pk))
    forged = f"/invitation/{uid}/{default_token_generator.make_token(target)}/"
    client.logout()
    assert client.get(forged).status_code == 400
    assert client.post(forged, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 400
    after = get_user_model().objects.values().get(pk=target.pk)
    assert after == before
    assert not Membership.objects.filter(user=target).exists()
    invitation = Invitation.objects.get(email="cible@example.org")
    assert invitation.user == target and not invitation.creates_account and invitation.accepted_at is None


def test_a_revoked_invitation_no_longer_activates_its_account(
    client, django_capture_on_commit_callbacks, structure, manager
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure)
    link = link_from_mail()
    invitation = Invitation.objects.get()
    client.post(reverse("admin:directory_invitation_delete", args=[invitation.pk]), {"post": "yes"})
    assert not Invitation.objects.exists()
    client.logout()
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 400
    user = get_user_model().objects.get(email="nouvelle@example.org")
    assert not user.is_active and not user.has_usable_password()


def test_a_second_invitation_to_a_never_used_new_account_sends_a_fresh_link(
    client, django_capture_on_commit_callbacks, structure, manager
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure)
    other = StructureFactory(name="Médiathèques de Lille")
    MembershipFactory(structure=other, user=manager, manager=True)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, other)
    link = link_from_mail()
    client.logout()
    assert client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    user = get_user_model().objects.get(email="nouvelle@example.org")
    assert user.is_active and not user.is_superuser
    assert set(Membership.objects.filter(user=user).values_list("structure__name", flat=True)) == {
        "Centres sociaux de Lille",
        "Médiathèques de Lille",
    }


def test_mediators_cannot_invite_nor_invite_into_another_structure(client, structure, mediator, manager):
    response = invite(client, mediator, structure)
    assert response.status_code == 403
    other = StructureFactory()
    response = invite(client, manager, other)
    assert response.status_code == 200  # the form refuses a structure outside their scope
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Invitation.objects.exists()


def test_managers_remove_members_mediators_cannot(client, structure, manager, mediator):
    colleague = MembershipFactory(structure=structure)
    client.force_login(mediator)
    client.post(reverse("admin:directory_membership_delete", args=[colleague.pk]), {"post": "yes"})
    assert Membership.objects.filter(pk=colleague.pk).exists()
    client.force_login(manager)
    response = client.post(reverse("admin:directory_membership_delete", args=[colleague.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=colleague.pk).exists()
    # The removal is in the history, with who did it.
    record = Membership.history.filter(id=colleague.pk, history_type="-").get()
    assert record.history_user == manager


def test_the_admin_index_lists_the_invitations_awaiting_the_signed_in_person(
    client, django_capture_on_commit_callbacks, structure, manager
):
    known = UserFactory(email="deja@example.org", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure, email="deja@example.org")
    invitation = Invitation.objects.get()
    client.force_login(known)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Invitations à accepter" in page
    assert reverse("directory:invitation_respond", args=[invitation.pk]) in page
    client.force_login(manager)
    assert "Invitations à accepter" not in client.get(reverse("admin:index")).content.decode()
