"""SMS look-up statistics for département staff and superusers: counts per day and the
queries nobody could answer, each reader for their own départements. Read-only; senders exist
only as keyed hashes (pseudonyms), erased with the text after SMS_TEXT_RETENTION_DAYS."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from directory.admin.base import LogRules, RuleBasedAdmin
from directory.models import DepartementStaff, SmsExchange
from directory.sms import stats


def can_see_sms_statistics(user) -> bool:
    return DepartementStaff.oversees_any(user)


@admin.register(SmsExchange)
class SmsExchangeAdmin(LogRules, RuleBasedAdmin):
    list_display = ["created_at", "query", "departement", "answered", "venues_count", "rate_limited", "adapter"]
    list_filter = ["answered", "rate_limited", "adapter"]
    search_fields = ["query"]
    date_hierarchy = "created_at"
    # The hash is only useful to the rate limiter; showing it would invite re-identification.
    exclude = ["sender_hash"]
    change_list_template = "admin/directory/smsexchange/change_list.html"

    def scoped_queryset(self, request, queryset):
        # Staff read the exchanges about their départements only (what residents typed);
        # those about no département, superusers alone.
        return queryset.readable_by(request.user) if can_see_sms_statistics(request.user) else queryset.none()

    def can_list(self, user):
        return can_see_sms_statistics(user)

    def can_view(self, user, obj):
        return can_see_sms_statistics(user) and SmsExchange.objects.readable_by(user).filter(pk=obj.pk).exists()

    def can_delete(self, user, obj):
        return False

    def can_delete_any(self, user):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "daily_counts": list(stats.daily_counts(days=30, exchanges=SmsExchange.objects.readable_by(request.user))),
            "statistics_title": _("Demandes par SMS sur 30 jours"),
        }
        return super().changelist_view(request, extra_context)
