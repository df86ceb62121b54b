"""Automatic channel checks, read-only: each back-office user sees the checks of the venues
they may see (their structures' venues; a département's staff, its venues)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from directory.admin.base import LogRules, RuleBasedAdmin
from directory.models import ChannelCheck, Venue


class FlaggedFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("signale", _("Signalés en panne")), ("echec", _("En échec")), ("ok", _("Répond"))]

    def queryset(self, request, queryset):
        if self.value() == "signale":
            # The one definition (failing CHANNEL_CHECK_FLAG_DAYS days in a row, not confirmed since).
            return queryset.flagged()
        if self.value() == "echec":
            return queryset.filter(failures__gt=0)
        if self.value() == "ok":
            return queryset.filter(failures=0)
        return queryset


@admin.register(ChannelCheck)
class ChannelCheckAdmin(LogRules, RuleBasedAdmin):
    list_display = [
        "channel_venue",
        "channel_kind",
        "channel_value",
        "reason",
        "failing_since",
        "last_ok_at",
        "confirmed_at",
    ]
    list_filter = [FlaggedFilter, "channel__kind"]
    list_select_related = ["channel", "channel__venue", "confirmed_by"]
    search_fields = ["channel__venue__name", "channel__value"]
    ordering = ["-failures", "channel__venue__name"]

    @admin.display(description=_("lieu"), ordering="channel__venue__name")
    def channel_venue(self, obj):
        return obj.channel.venue.name

    @admin.display(description=_("type"), ordering="channel__kind")
    def channel_kind(self, obj):
        return obj.channel.get_kind_display()

    @admin.display(description=_("valeur"))
    def channel_value(self, obj):
        return obj.channel.value

    def scoped_queryset(self, request, queryset):
        return queryset.filter(channel__venue__in=Venue.objects.viewable_by(request.user))

    def can_list(self, user):
        return Venue.objects.viewable_by(user).exists()

    def can_view(self, user, obj):
        return obj.channel.venue.can_view_admin(user)

    def can_delete(self, user, obj):
        return False

    def can_delete_any(self, user):
        return False
