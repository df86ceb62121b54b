"""Partner keys (issue 19, part 1): superusers and département staff issue them, with the sites
allowed to frame the widget, daily quotas, and the usage counted per day.

The key is shown once, on the page that follows its creation (``response_add``), never stored
in clear nor put in a message (messages may travel in a cookie): ``PartnerKey`` keeps its hash.
"""

from django import forms
from django.contrib import admin
from django.contrib.postgres.forms import SimpleArrayField
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.admin.base import RuleBasedAdmin
from directory.models import Departement, DepartementStaff, PartnerKey, PartnerKeyUsage
from directory.partners import normalise_host


class PartnerKeyForm(forms.ModelForm):
    allowed_hosts = SimpleArrayField(
        forms.CharField(max_length=260),
        delimiter="\n",
        label=_("Sites autorisés"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=PartnerKey._meta.get_field("allowed_hosts").help_text,
        error_messages={"item_invalid": _("Ligne %(nth)s : ")},
    )

    class Meta:
        model = PartnerKey
        fields = [
            "name", "contact_name", "contact_email", "departement", "allowed_hosts", "api_daily_quota",
            "widget_daily_quota", "is_active",
        ]  # fmt: skip

    def clean_allowed_hosts(self):
        hosts, wrong = [], []
        for line in self.cleaned_data["allowed_hosts"]:
            if not line.strip():
                continue
            host = normalise_host(line)
            if host is None:
                wrong.append(line.strip()[:80])
            elif host not in hosts:
                hosts.append(host)
        if wrong:
            raise forms.ValidationError(
                gettext("Nom de domaine invalide : %(hosts)s (exemple : www.mairie-exemple.fr).")
                % {"hosts": ", ".join(wrong)}
            )
        if not hosts:
            raise forms.ValidationError(gettext("Indiquez au moins un site qui affichera l'annuaire."))
        return hosts


@admin.register(PartnerKey)
class PartnerKeyAdmin(RuleBasedAdmin):
    form = PartnerKeyForm
    list_display = [
        "name", "visible_prefix", "departement", "hosts", "is_active", "api_today", "widget_today", "created_by",
        "created_at",
    ]  # fmt: skip
    list_filter = ["is_active", ("departement", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["departement", "created_by"]
    search_fields = ["name", "contact_email", "visible_prefix"]
    readonly_fields = ["visible_prefix", "created_by", "created_at", "usage_table"]

    # --- who: superusers, and département staff for their départements ------------------------
    def scoped_queryset(self, request, queryset):
        return queryset.editable_by(request.user)

    def can_list(self, user):
        return PartnerKey.can_issue(user)

    def can_view(self, user, obj):
        return obj.can_edit(user)

    can_change = can_view
    can_delete = can_view

    def can_add(self, user):
        return PartnerKey.can_issue(user)

    can_change_any = can_add
    can_delete_any = can_add

    def deletable_queryset(self, request, queryset):
        return queryset.editable_by(request.user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser:
            field = form.base_fields["departement"]
            field.queryset = Departement.objects.filter(code__in=DepartementStaff.departements_of(request.user))
            field.required = True
            field.empty_label = None
        return form

    def get_fieldsets(self, request, obj=None):
        main = ["name", "contact_name", "contact_email", "departement", "allowed_hosts"]
        fieldsets = [
            (None, {"fields": main}),
            (_("Quotas"), {"fields": ["api_daily_quota", "widget_daily_quota", "is_active"]}),
        ]
        if obj is not None:
            fieldsets.append((_("Clé et utilisation"), {"fields": self.readonly_fields}))
        return fieldsets

    # --- the list's columns ------------------------------------------------------------------
    def get_queryset(self, request):
        # Today's row of each key, as subqueries (no GROUP BY: the delete views reuse this).
        from django.db.models import OuterRef, Subquery
        from django.db.models.functions import Coalesce

        today = PartnerKeyUsage.objects.filter(key=OuterRef("pk"), day=timezone.localdate())
        return (
            super()
            .get_queryset(request)
            .annotate(
                api_used=Coalesce(Subquery(today.values("api_requests")[:1]), 0),
                widget_used=Coalesce(Subquery(today.values("widget_views")[:1]), 0),
            )
        )

    @admin.display(description=_("sites autorisés"))
    def hosts(self, obj):
        return ", ".join(obj.allowed_hosts)

    @admin.display(description=_("API aujourd'hui"))
    def api_today(self, obj):
        return f"{obj.api_used} / {obj.api_daily_quota}"

    @admin.display(description=_("widget aujourd'hui"))
    def widget_today(self, obj):
        return f"{obj.widget_used} / {obj.widget_daily_quota}"

    @admin.display(description=_("utilisation (30 derniers jours)"))
    def usage_table(self, obj):
        rows = list(obj.usage.order_by("-day").values_list("day", "api_requests", "widget_views")[:30])
        if not rows:
            return gettext("Pas encore utilisée.")
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", ((d.isoformat(), a, w) for d, a, w in rows)
        )
        return format_html(
            "<table><thead><tr><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            gettext("Jour"),
            gettext("Requêtes API"),
            gettext("Affichages du widget"),
            body,
        )

    # --- issuing: the key is readable once -----------------------------------------------------
    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            request._issued_key = obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_issued_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Clé créée : %(name)s") % {"name": obj.name},
            "key": obj,
            "raw_key": raw,
        }
        response = TemplateResponse(request, "admin/directory/partnerkey/issued.html", context)
        add_never_cache_headers(response)  # the key must not stay in any cache
        return response
