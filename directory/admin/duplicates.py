"""Likely duplicates in the back office: the scored list (superusers, département staff),
a page per pair to merge the two venues or mark them distinct (see docs/back-office.md)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import enums
from directory.actions import merge_venues
from directory.admin.base import RuleBasedAdmin
from directory.duplicates import MergeRefused, mark_distinct
from directory.models import DepartementStaff, LikelyDuplicate, Venue, VenueRedirect


class DuplicateStatusFilter(admin.SimpleListFilter):
    """Proposed pairs by default: the list is a to-do list."""

    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [*enums.DuplicateStatus.choices, ("all", _("Tous"))]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or enums.DuplicateStatus.PROPOSED) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or enums.DuplicateStatus.PROPOSED
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(LikelyDuplicate)
class LikelyDuplicateAdmin(RuleBasedAdmin):
    list_display = ["score", "first_venue", "second_venue", "reasons_text", "status", "origin", "review_link"]
    list_display_links = None
    list_select_related = ["first__commune", "second__commune"]
    list_filter = [DuplicateStatusFilter, "origin"]
    ordering = ["-score", "pk"]
    actions = ["mark_distinct_selected"]
    search_fields = ["first__search_text", "second__search_text"]

    # --- scope: see docs/back-office.md --------------------------------------------------
    def scoped_queryset(self, request, queryset):
        return queryset.visible_to(request.user)

    def can_list(self, user):
        return DepartementStaff.oversees_any(user)

    def can_view(self, user, obj):
        return obj.can_view(user)

    def can_change(self, user, obj):
        return False  # a pair is decided (merge, distinct), never edited

    def can_change_any(self, user):
        # The « distinct » action needs it; the action checks each pair.
        return DepartementStaff.oversees_any(user)

    def can_delete(self, user, obj):
        return False

    def can_delete_any(self, user):
        return False

    def can_add(self, user):
        return False

    def get_search_results(self, request, queryset, search_term):
        from directory.text import fold

        for word in fold(search_term)[:200].split()[:8]:
            queryset = queryset.filter(first__search_text__icontains=word) | queryset.filter(
                second__search_text__icontains=word
            )
        return queryset, False

    # --- columns ---------------------------------------------------------------------------
    def _venue(self, venue):
        return format_html(
            '<a href="{}">{}</a><br><small>{} {}</small>',
            reverse("admin:directory_venue_change", args=[venue.pk]),
            venue.name,
            venue.postal_code,
            venue.commune.name,
        )

    @admin.display(description=_("lieu 1"))
    def first_venue(self, obj):
        return self._venue(obj.first)

    @admin.display(description=_("lieu 2"))
    def second_venue(self, obj):
        return self._venue(obj.second)

    @admin.display(description=_("ressemblances"))
    def reasons_text(self, obj):
        return obj.reasons()

    @admin.display(description=_("décision"))
    def review_link(self, obj):
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:directory_likelyduplicate_review", args=[obj.pk]),
            gettext("Examiner"),
        )

    # --- actions -------------------------------------------------------------------------
    @admin.action(description=_("Marquer comme lieux distincts"), permissions=["change"])
    def mark_distinct_selected(self, request, queryset):
        departements = DepartementStaff.departements_of(request.user)
        count = 0
        for pair in queryset.visible_to(request.user).select_related("first__commune", "second__commune"):
            if pair.can_mark_distinct(request.user, departements):
                mark_distinct(pair, request.user)
                count += 1
        self.message_user(
            request,
            gettext("%(count)d paire(s) marquée(s) comme lieux distincts.") % {"count": count},
            messages.SUCCESS,
        )

    # --- the review page: merge or mark distinct -----------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/examiner/", view(self.review_view), name="directory_likelyduplicate_review"),
            *super().get_urls(),
        ]

    def review_view(self, request, object_id):
        object_id = unquote(object_id)
        pair = (
            self.get_queryset(request).select_related("first__commune", "second__commune").filter(pk=object_id).first()
            if object_id.isdigit()
            else None
        )
        if pair is None:
            raise Http404(gettext("Cette paire n'existe plus ou ne fait pas partie de votre périmètre."))
        if not pair.can_view(request.user):
            raise PermissionDenied
        list_url = reverse("admin:directory_likelyduplicate_changelist")
        if request.method == "POST":
            try:
                if "distinct" in request.POST:
                    mark_distinct(pair, request.user)
                    self.message_user(
                        request,
                        gettext("« %(a)s » et « %(b)s » sont marqués comme lieux distincts.")
                        % {"a": pair.first.name, "b": pair.second.name},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(list_url)
                survivor = merge_venues(
                    pair, _int(request.POST.get("survivor")), _versions(request.POST, pair), request.user
                )
            except MergeRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Lieux fusionnés : « %(name)s » est conservé ; l'ancienne adresse publique y redirige.")
                    % {"name": survivor.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(list_url)
            pair = self.get_queryset(request).select_related("first__commune", "second__commune").filter(pk=pair.pk)
            pair = pair.first()
            if pair is None:
                return HttpResponseRedirect(list_url)
        venues = {
            v.pk: v
            for v in Venue.objects.filter(pk__in=[pair.first_id, pair.second_id])
            .select_related("commune", "structure")
            .annotate(
                channel_count=Count("channels", distinct=True),
                closure_count=Count("closures", distinct=True),
                report_count=Count("reports", distinct=True),
            )
        }
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Doublon probable : fusionner ou distinguer"),
            "opts": self.model._meta,
            "pair": pair,
            "venues": [venues[pair.first_id], venues[pair.second_id]],
            "can_merge": pair.can_merge(request.user) and pair.status == enums.DuplicateStatus.PROPOSED,
            "can_mark_distinct": pair.can_mark_distinct(request.user) and pair.status == enums.DuplicateStatus.PROPOSED,
            "list_url": list_url,
        }
        return TemplateResponse(request, "admin/directory/likelyduplicate/review.html", context)


def _int(text) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _versions(data, pair) -> dict[int, int | None]:
    return {pk: _int(data.get(f"version_{pk}")) for pk in (pair.first_id, pair.second_id)}


@admin.register(VenueRedirect)
class VenueRedirectAdmin(RuleBasedAdmin):
    """The addresses left by merges, for superusers (read only: a merge writes them)."""

    list_display = ["old_slug", "venue", "source", "external_id", "created_by", "created_at"]
    list_select_related = ["venue", "created_by"]
    search_fields = ["old_slug"]

    def can_change(self, user, obj):
        return False

    def can_change_any(self, user):
        return False

    def can_add(self, user):
        return False
