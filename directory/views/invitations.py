"""Invitations to join a structure: the manager's side (``send_invitation``, called from the
admin) and the invited person's side.

An invitation never changes an existing account. Two cases, and the manager sees the same
screen in both (« Invitation envoyée », pending until the person answers), so an invitation
tells nothing about whether an address has an account:

- the address has no account: one is created, inactive, without a usable password; the
  e-mailed link (Django's password-reset token: it expires after ``PASSWORD_RESET_TIMEOUT``
  seconds and dies once the password is set, because the token hashes the password) sets the
  first password, activates the account and accepts the invitation (``accept_invitation``);
- the address has an account (active or not, superuser or not): the e-mail asks its owner to
  sign in and accept or decline (``respond_to_invitation``). A deactivated account cannot sign
  in, so its invitation simply stays pending: a manager cannot undo a deactivation.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from directory.models import Invitation, Membership
from directory.models.people import awaits_first_password
from directory.notifications import absolute, send_invitation_email


def invitation_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("directory:invitation_accept", kwargs={"uidb64": uid, "token": token}))


@transaction.atomic
def send_invitation(invitation: Invitation, request=None) -> Invitation:
    """Save ``invitation`` and e-mail it. A new address gets an account without a usable
    password and a link to set it; an existing account is left untouched and its owner accepts
    after signing in."""
    User = get_user_model()
    email = invitation.email.strip().lower()
    invitation.email = email
    user = User.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        username = email
        n = 2
        while User.objects.filter(username=username).exists():
            username, n = f"{email}-{n}", n + 1
        user = User(username=username, email=email, is_staff=False, is_active=False)
        user.set_unusable_password()
        user.save()
        invitation.creates_account = True
    invitation.user = user
    invitation.save()
    link = invitation_link(user) if awaits_first_password(user) else None
    respond_url = absolute(reverse("directory:invitation_respond", args=[invitation.pk]))
    transaction.on_commit(lambda: send_invitation_email(invitation, link, respond_url))
    return invitation


def _user_from_uid(uidb64):
    User = get_user_model()
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User._default_manager.get(pk=pk)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist):
        return None


def _join(user, invitations, now) -> None:
    for invitation in invitations:
        Membership.objects.get_or_create(user=user, structure=invitation.structure, defaults={"role": invitation.role})
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def accept_invitation(request, uidb64, token):
    """First password of an account an invitation created (and only of such an account)."""
    user = _user_from_uid(uidb64)
    if user is None or not awaits_first_password(user) or not default_token_generator.check_token(user, token):
        return render(request, "directory/invitation_invalid.html", status=400)
    pending = list(Invitation.objects.pending().filter(user=user).select_related("structure"))
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.is_active = True
            user.is_staff = True
            user.save(update_fields=["password", "is_active", "is_staff"])
            _join(user, pending, timezone.now())
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(reverse("admin:index"))
    structures = sorted({i.structure.name for i in pending})
    return render(
        request,
        "directory/invitation_accept.html",
        {"form": form, "structures": structures, "invited_user": user, "site_name": settings.SITE_NAME},
    )


@never_cache
@login_required
def respond_to_invitation(request, pk):
    """A signed-in account accepts or declines an invitation addressed to it. Anyone else gets a
    404, so the page says nothing about other people's invitations."""
    invitation = Invitation.objects.awaiting(request.user).select_related("structure", "invited_by").filter(pk=pk)
    invitation = invitation.first()
    if invitation is None or not invitation.can_respond(request.user):
        raise Http404(_("Cette invitation n'existe pas, a expiré ou a déjà reçu une réponse."))
    if request.method == "POST":
        answer = request.POST.get("answer")
        with transaction.atomic():
            # Locked so that two tabs answering at once record one answer.
            locked = Invitation.objects.select_for_update().pending().filter(pk=invitation.pk).first()
            if locked is None:
                raise Http404(_("Cette invitation n'existe pas, a expiré ou a déjà reçu une réponse."))
            if answer == "accept":
                user = request.user
                if not user.is_staff:
                    # Staff status opens the back office; never superuser status.
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                _join(user, [locked], timezone.now())
                messages.success(request, _("Vous avez rejoint « %(name)s ».") % {"name": invitation.structure.name})
                return redirect(reverse("admin:index"))
            if answer == "decline":
                locked.declined_at = timezone.now()
                locked.save(update_fields=["declined_at"])
                messages.info(request, _("Invitation refusée."))
                return redirect(reverse("admin:index") if request.user.is_staff else "/")
    return render(request, "directory/invitation_respond.html", {"invitation": invitation})
