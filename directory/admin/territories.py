"""Territories are reference data (loaded by ``load_territories``): everybody in the back
office searches communes (venue address, service area); only superusers change them."""

from django.contrib import admin

from directory.admin.base import RuleBasedAdmin, is_backoffice_user
from directory.models import Commune, Departement
from directory.text import fold


@admin.register(Commune)
class CommuneAdmin(RuleBasedAdmin):
    list_display = ["name", "code", "departement", "epci", "population"]
    list_select_related = ["departement", "epci"]
    search_fields = ["search_name", "code"]
    ordering = ["name"]

    def scoped_queryset(self, request, queryset):
        return queryset

    def can_list(self, user):
        return is_backoffice_user(user)

    def can_view(self, user, obj):
        return is_backoffice_user(user)

    def has_module_permission(self, request):
        # Searchable for autocompletes, but not a menu entry except for superusers.
        return request.user.is_active and request.user.is_superuser

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(postal_codes__contains=[term]) | queryset.filter(code=term), False
        return queryset.filter(search_name__startswith=fold(term)[:100]), False


@admin.register(Departement)
class DepartementAdmin(RuleBasedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
