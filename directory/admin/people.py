"""Structures, their members and invitations, and département staff."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.admin.base import RuleBasedAdmin, RuleBasedHistoryAdmin
from directory.models import DepartementStaff, Invitation, Membership, Structure
from directory.text import fold


class MembershipInline(admin.TabularInline):
    """Members listed on the structure page; managers change roles and remove members."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "created_at"]

    def has_view_permission(self, request, obj=None):
        return obj is None or obj.can_edit(request.user)

    def has_change_permission(self, request, obj=None):
        return obj is not None and obj.can_manage_members(request.user)

    has_delete_permission = has_change_permission

    def has_add_permission(self, request, obj=None):
        # New members come through invitations (a link to set their password).
        return False


@admin.register(Structure)
class StructureAdmin(RuleBasedAdmin):
    list_display = ["name", "kind", "departement", "pivot"]
    list_filter = ["kind", ("departement", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]
    fields = ["name", "kind", "pivot", "email", "departement"]
    inlines = [MembershipInline]

    def scoped_queryset(self, request, queryset):
        return queryset.viewable_by(request.user).select_related("departement")

    def can_list(self, user):
        return Structure.objects.viewable_by(user).exists()

    def can_view(self, user, obj):
        return obj.can_view_admin(user)

    def can_change(self, user, obj):
        return obj.can_edit(user)

    def can_change_any(self, user):
        return Structure.objects.editable_by(user).exists()

    def get_search_results(self, request, queryset, search_term):
        folded = fold(search_term)[:200]
        if not folded:
            return queryset, False
        return queryset.filter(name__unaccent__icontains=folded), False


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "structure", "role"]


@admin.register(Membership)
class MembershipAdmin(RuleBasedHistoryAdmin):
    form = MembershipAdminForm
    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role", ("structure", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "structure"]
    search_fields = ["user__username", "user__email", "structure__name"]
    raw_id_fields = ["user"]

    def scoped_queryset(self, request, queryset):
        return queryset.viewable_by(request.user)

    def can_list(self, user):
        return user.is_superuser or user.memberships.exists()

    def can_view(self, user, obj):
        return obj.can_view_admin(user)

    def can_change(self, user, obj):
        return obj.can_manage(user)

    can_delete = can_change

    def can_change_any(self, user):
        return Structure.objects.managed_by(user).exists()

    can_delete_any = can_change_any

    def deletable_queryset(self, request, queryset):
        return queryset.manageable_by(request.user)

    def get_readonly_fields(self, request, obj=None):
        # A manager changes the role or removes the member; moving someone to another
        # structure is an invitation there.
        if obj is not None and not request.user.is_superuser:
            return ["user", "structure"]
        return []


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["structure", "email", "role"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        structure, email = cleaned.get("structure"), cleaned.get("email")
        if structure and email and structure.memberships.filter(user__email__iexact=email).exists():
            self.add_error("email", _("Cette personne est déjà membre de cette structure."))
        return cleaned


@admin.register(Invitation)
class InvitationAdmin(RuleBasedAdmin):
    form = InvitationAdminForm
    list_display = ["email", "structure", "role", "created_at", "accepted_at", "declined_at", "invited_by"]
    list_filter = ["role", ("structure", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["structure", "invited_by"]
    search_fields = ["email"]

    def scoped_queryset(self, request, queryset):
        return queryset.manageable_by(request.user)

    def can_list(self, user):
        return Structure.objects.managed_by(user).exists()

    def can_view(self, user, obj):
        return obj.can_manage(user)

    def can_change(self, user, obj):
        # An invitation is sent, not edited: revoke it (delete) and send another.
        return False

    def can_change_any(self, user):
        return False

    def can_delete(self, user, obj):
        return obj.can_manage(user) and obj.accepted_at is None

    def can_delete_any(self, user):
        return Structure.objects.managed_by(user).exists()

    def deletable_queryset(self, request, queryset):
        return queryset.manageable_by(request.user).pending()

    can_add = can_list

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "structure":
            kwargs["queryset"] = Structure.objects.managed_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        from directory.views.invitations import send_invitation

        obj.invited_by = request.user
        send_invitation(obj, request=request)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            gettext("Invitation envoyée à %(email)s.") % {"email": obj.email},
            messages.SUCCESS,
        )
        return super().response_add(request, obj, post_url_continue)


@admin.register(DepartementStaff)
class DepartementStaffAdmin(RuleBasedHistoryAdmin):
    """Only superusers appoint département agents."""

    list_display = ["user", "departement"]
    list_select_related = ["user", "departement"]
    raw_id_fields = ["user"]
