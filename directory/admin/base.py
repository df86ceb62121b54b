"""Shared behaviour of every ModelAdmin: access comes from the model rules (``can_edit``,
``viewable_by``…), never from Django's per-user model permissions, so a mediator or a
département agent needs no permission assignment, only a membership or a staff row."""

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


def is_backoffice_user(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def per_request(request, key, compute):
    """Object-less permission answers are asked once per row by the change list: compute
    them once per request."""
    cache = request.__dict__.setdefault("_gll_permissions", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class RuleBasedMixin:
    """Subclasses answer with the model's rules through four hooks:

    - ``scoped_queryset(request, qs)``: what the user may see at all;
    - ``can_view(user, obj)`` / ``can_change(user, obj)`` / ``can_delete(user, obj)``;
    - ``can_add(user)`` and ``can_list(user)`` (module visible, list page allowed);
    - ``deletable_queryset(request, qs)`` for the bulk delete action.
    """

    def scoped_queryset(self, request, queryset):
        return queryset if request.user.is_superuser else queryset.none()

    def can_list(self, user) -> bool:
        return user.is_superuser

    def can_view(self, user, obj) -> bool:
        return user.is_superuser

    def can_change(self, user, obj) -> bool:
        return user.is_superuser

    def can_delete(self, user, obj) -> bool:
        return user.is_superuser

    def can_add(self, user) -> bool:
        return user.is_superuser

    def can_change_any(self, user) -> bool:
        """Whether the user may change at least one object (changelist actions, editing)."""
        return user.is_superuser

    def can_delete_any(self, user) -> bool:
        return user.is_superuser

    def deletable_queryset(self, request, queryset):
        return queryset if request.user.is_superuser else queryset.none()

    # --- Django admin entry points ---------------------------------------------------------
    def get_queryset(self, request):
        return self.scoped_queryset(request, super().get_queryset(request))

    def _model_key(self, name):
        return (self.model._meta.label, name)

    def has_module_permission(self, request):
        return is_backoffice_user(request.user) and per_request(
            request, self._model_key("list"), lambda: self.can_list(request.user)
        )

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not is_backoffice_user(user):
            return False
        if obj is None:
            return per_request(request, self._model_key("list"), lambda: self.can_list(user))
        return self.can_view(user, obj)

    def has_change_permission(self, request, obj=None):
        user = request.user
        if not is_backoffice_user(user):
            return False
        if obj is None:
            return per_request(request, self._model_key("change"), lambda: self.can_change_any(user))
        return self.can_change(user, obj)

    def has_delete_permission(self, request, obj=None):
        user = request.user
        if not is_backoffice_user(user):
            return False
        if obj is None:
            return per_request(request, self._model_key("delete"), lambda: self.can_delete_any(user))
        return self.can_delete(user, obj)

    def has_add_permission(self, request, *args):
        return is_backoffice_user(request.user) and per_request(
            request, self._model_key("add"), lambda: self.can_add(request.user)
        )

    # --- bulk delete: refuse when one selected object is outside the user's delete scope ---
    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                scoped_delete_selected,
                "delete_selected",
                delete_selected.short_description,
            )
        return actions


class LogRules:
    """For logs the code writes (reminders sent, SMS look-ups): nobody adds or edits a line.
    Put it before the rule-based admin class in the bases."""

    def can_change(self, user, obj) -> bool:
        return False

    def can_change_any(self, user) -> bool:
        return False

    def can_add(self, user) -> bool:
        return False


class RuleBasedAdmin(RuleBasedMixin, admin.ModelAdmin):
    pass


class RuleBasedHistoryAdmin(RuleBasedMixin, SimpleHistoryAdmin):
    """For models with ``HistoricalRecords``: history pages and revert, scoped.

    simple_history checks permissions against the *historical* copy and saves a revert POST
    without asking for the change permission; both are checked here against the current
    object (a venue moved to another structure must not be revertible by its old one)."""

    def _current_object(self, request, object_id):
        return self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None

    def history_view(self, request, object_id, extra_context=None):
        current = self._current_object(request, unquote(object_id))
        if current is None and not request.user.is_superuser:
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._current_object(request, unquote(object_id))
        if current is None or not self.has_view_permission(request, current):
            raise PermissionDenied
        if request.method == "POST" and not self.has_change_permission(request, current):
            raise PermissionDenied
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        if obj is not None and obj.pk:
            current = self._current_object(request, obj.pk)
            return current is None or not self.has_change_permission(request, current)
        return super().revert_disabled(request, obj)


def scoped_delete_selected(modeladmin, request, queryset):
    allowed = modeladmin.deletable_queryset(request, modeladmin.model._default_manager.all())
    if queryset.exclude(pk__in=allowed.values("pk")).exists():
        modeladmin.message_user(
            request,
            _("Vous ne pouvez pas supprimer certains des éléments sélectionnés : rien n'a été supprimé."),
            messages.ERROR,
        )
        return None
    return delete_selected(modeladmin, request, queryset)


scoped_delete_selected.allowed_permissions = ("delete",)
scoped_delete_selected.short_description = delete_selected.short_description


class RuleBasedInline(admin.StackedInline):
    """Inline rows follow the parent venue's rules: editable when the venue is.

    Stacked, not tabular: every field keeps its own visible label (a tabular row's inputs have
    none, which axe-core reports as critical; see tests/browser/test_browser_accessibility.py)."""

    extra = 0

    def _parent_editable(self, request, obj):
        if obj is None:
            return is_backoffice_user(request.user)
        return obj.can_edit(request.user)

    def has_view_permission(self, request, obj=None):
        return is_backoffice_user(request.user) and (obj is None or obj.can_view_admin(request.user))

    def has_change_permission(self, request, obj=None):
        return is_backoffice_user(request.user) and self._parent_editable(request, obj)

    def has_add_permission(self, request, obj=None):
        return is_backoffice_user(request.user) and self._parent_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_backoffice_user(request.user) and self._parent_editable(request, obj)
