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


def test_an_existing_account_joins_at_once(client, django_capture_on_commit_callbacks, structure, manager):
    known = UserFactory(email="deja@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, manager, structure, email="Deja@Example.org", role=enums.MembershipRole.MANAGER)
    assert Membership.objects.filter(user=known, structure=structure, role=enums.MembershipRole.MANAGER).exists()
    assert "/invitation/" not in mail.outbox[-1].body
    assert get_user_model().objects.filter(email__iexact="deja@example.org").count() == 1


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
