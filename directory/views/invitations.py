"""Invitations to join a structure: the manager's side (``send_invitation``, called from the
admin) and the invited person's side (``accept_invitation``: set a password, once).

The link is Django's password-reset token (``default_token_generator``): it expires after
``PASSWORD_RESET_TIMEOUT`` seconds and dies as soon as the password is set, because the token
hashes the password."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from directory.models import Invitation, Membership
from directory.notifications import absolute, send_invitation_email


def invitation_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("directory:invitation_accept", kwargs={"uidb64": uid, "token": token}))


@transaction.atomic
def send_invitation(invitation: Invitation, request=None) -> Invitation:
    """Save ``invitation`` and e-mail it. A new address gets an account without a usable
    password (it cannot log in until the link is used); an existing account joins at once."""
    User = get_user_model()
    email = invitation.email.strip().lower()
    invitation.email = email
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        username = email
        n = 2
        while User.objects.filter(username=username).exists():
            username, n = f"{email}-{n}", n + 1
        user = User(username=username, email=email, is_staff=True, is_active=False)
        user.set_unusable_password()
        user.save()
    invitation.user = user
    link = None
    if user.has_usable_password() and user.is_active:
        Membership.objects.get_or_create(user=user, structure=invitation.structure, defaults={"role": invitation.role})
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        invitation.accepted_at = timezone.now()
    else:
        link = invitation_link(user)
    invitation.save()
    transaction.on_commit(lambda: send_invitation_email(invitation, link))
    return invitation


def _user_from_uid(uidb64):
    User = get_user_model()
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def accept_invitation(request, uidb64, token):
    user = _user_from_uid(uidb64)
    pending = Invitation.objects.pending().filter(user=user).select_related("structure") if user else None
    if user is None or not pending or not default_token_generator.check_token(user, token):
        return render(request, "directory/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_active = True
            user.is_staff = True
            user.save()
            now = timezone.now()
            for invitation in pending:
                Membership.objects.get_or_create(
                    user=user, structure=invitation.structure, defaults={"role": invitation.role}
                )
                invitation.accepted_at = now
                invitation.save(update_fields=["accepted_at"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(reverse("admin:index"))
    structures = sorted({i.structure.name for i in pending})
    return render(
        request,
        "directory/invitation_accept.html",
        {"form": form, "structures": structures, "invited_user": user, "site_name": settings.SITE_NAME},
    )
