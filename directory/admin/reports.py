"""Residents' reports (moderated by the venue's mediators and the département staff) and the
log of freshness reminders."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import enums
from directory.admin.base import LogRules, RuleBasedAdmin
from directory.models import FreshnessReminder, Report, Venue


@admin.register(Report)
class ReportAdmin(RuleBasedAdmin):
    list_display = ["venue", "topic", "created_at", "status", "closed_by", "closed_at"]
    list_filter = ["status", "topic", ("venue__commune__departement", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["venue", "closed_by"]
    search_fields = ["venue__search_text", "comment"]
    fields = ["venue", "topic", "comment", "contact", "created_at", "status", "closed_by", "closed_at"]
    readonly_fields = ["venue", "topic", "comment", "contact", "created_at", "closed_by", "closed_at"]
    actions = ["close_selected"]
    ordering = ["status", "-created_at"]

    def scoped_queryset(self, request, queryset):
        return queryset.visible_to(request.user)

    def can_list(self, user):
        return Venue.objects.viewable_by(user).exists()

    def can_view(self, user, obj):
        return obj.can_moderate(user)

    can_change = can_view
    can_change_any = can_list

    def can_delete(self, user, obj):
        # Whoever may delete the venue may delete its reports (deleting a venue cascades).
        return obj.venue.can_delete(user)

    def can_delete_any(self, user):
        return Venue.objects.deletable_by(user).exists()

    def deletable_queryset(self, request, queryset):
        return queryset.filter(venue__in=Venue.objects.deletable_by(request.user))

    def can_add(self, user):
        # Reports come from residents, through the public form.
        return False

    @admin.action(description=_("Clore les signalements sélectionnés"), permissions=["change"])
    def close_selected(self, request, queryset):
        now = timezone.now()
        count = 0
        for report in queryset.visible_to(request.user).open().select_related("venue"):
            report.close(request.user, now)
            count += 1
        self.message_user(request, gettext("%(count)d signalement(s) clos.") % {"count": count}, messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if obj.status == enums.ReportStatus.CLOSED and obj.closed_at is None:
            obj.closed_at = timezone.now()
            obj.closed_by = request.user
        elif obj.status == enums.ReportStatus.OPEN:
            obj.closed_at = None
            obj.closed_by = None
        super().save_model(request, obj, form, change)


@admin.register(FreshnessReminder)
class FreshnessReminderAdmin(LogRules, RuleBasedAdmin):
    """Read-only log, for superusers."""

    list_display = ["venue", "sent_at", "recipients"]
    list_select_related = ["venue"]
