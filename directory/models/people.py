"""Who may do what: structure memberships, département staff, invitations."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import enums


class MembershipQuerySet(models.QuerySet):
    def viewable_by(self, user):
        """Members of the structures ``user`` belongs to (colleagues are visible)."""
        from directory.models.structures import Structure

        return self.filter(structure__in=Structure.objects.editable_by(user))

    def manageable_by(self, user):
        from directory.models.structures import Structure

        return self.filter(structure__in=Structure.objects.managed_by(user))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships", verbose_name=_("utilisateur")
    )
    structure = models.ForeignKey(
        "directory.Structure", models.CASCADE, related_name="memberships", verbose_name=_("structure")
    )
    role = models.CharField(
        _("rôle"), max_length=20, choices=enums.MembershipRole.choices, default=enums.MembershipRole.MEDIATOR
    )
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membre d'une structure")
        verbose_name_plural = _("membres des structures")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"],
                name="membership_unique_user_structure",
                violation_error_message=_("Cette personne est déjà membre de cette structure."),
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.structure} ({self.get_role_display()})"

    def can_view_admin(self, user) -> bool:
        return self.structure.can_edit(user)

    def can_manage(self, user) -> bool:
        """Changing a role or removing a member: the structure's managers (and superusers)."""
        return self.structure.can_manage_members(user)


class DepartementStaff(models.Model):
    """A département agent: reads every venue of the département, confirms entries, moderates
    reports and sees coverage; edits nothing else."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="departement_assignments",
        verbose_name=_("utilisateur"),
    )
    departement = models.ForeignKey(
        "directory.Departement", models.CASCADE, related_name="staff", verbose_name=_("département")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agent départemental")
        verbose_name_plural = _("agents départementaux")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "departement"],
                name="departement_staff_unique",
                violation_error_message=_("Cette personne est déjà agent de ce département."),
            )
        ]

    def __str__(self):
        return f"{self.user} — {self.departement}"

    @staticmethod
    def departements_of(user) -> set[str] | None:
        """Codes of the départements ``user`` oversees; ``None`` means every one (superuser)."""
        if user.is_superuser:
            return None
        # Remembered on the user object (one per request): the admin asks for each model.
        cached = user.__dict__.get("_gll_departements")
        if cached is None:
            cached = user.__dict__["_gll_departements"] = frozenset(
                DepartementStaff.objects.filter(user=user).values_list("departement_id", flat=True)
            )
        return set(cached)

    @staticmethod
    def oversees_any(user) -> bool:
        """Superusers and département staff: coverage, SMS statistics, open-data uploads."""
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_superuser or bool(DepartementStaff.departements_of(user))


class InvitationQuerySet(models.QuerySet):
    def manageable_by(self, user):
        from directory.models.structures import Structure

        return self.filter(structure__in=Structure.objects.managed_by(user))

    def pending(self):
        return self.filter(accepted_at__isnull=True, declined_at__isnull=True)

    def awaiting(self, user):
        """Pending invitations addressed to ``user``, still within their validity."""
        cutoff = timezone.now() - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        return self.pending().filter(user=user, created_at__gte=cutoff)


class Invitation(models.Model):
    """An invitation to join a structure; the e-mailed link uses Django's token machinery."""

    structure = models.ForeignKey(
        "directory.Structure", models.CASCADE, related_name="invitations", verbose_name=_("structure")
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("rôle"), max_length=20, choices=enums.MembershipRole.choices, default=enums.MembershipRole.MEDIATOR
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="invitations", editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True, editable=False)
    declined_at = models.DateTimeField(_("refusée le"), null=True, blank=True, editable=False)
    # True only when this invitation created the account: the only case where its e-mailed link
    # may set a password and activate an account. An existing account, active or deactivated
    # (superusers included), is never changed by an invitation: its owner signs in and accepts.
    creates_account = models.BooleanField(default=False, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.structure}"

    def can_manage(self, user) -> bool:
        return self.structure.can_manage_members(user)

    def can_respond(self, user) -> bool:
        """Only the invited account, signed in, accepts or declines."""
        return bool(user.is_authenticated and user.is_active and self.user_id == user.pk)


def awaits_first_password(user) -> bool:
    """An account an invitation created and that has never been used: the invitation link may
    set its first password and activate it. Anything else (a deactivated account, one whose
    password was made unusable, a superuser) is out of an invitation's reach."""
    return bool(
        user is not None
        and not user.is_active
        and not user.is_superuser
        and not user.has_usable_password()
        and user.last_login is None
        and Invitation.objects.pending().filter(user=user, creates_account=True).exists()
    )
