"""Venues in the back office: scoped lists, inline channels and closures, freshness,
one-click confirmation, quick temporary closure and refusal of lost updates."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import actions, enums
from directory.admin.base import RuleBasedHistoryAdmin, RuleBasedInline, is_backoffice_user, per_request
from directory.models import Channel, ClosurePeriod, Structure, Venue
from directory.text import fold

VENUE_FIELDSETS = [
    (_("Identité"), {"fields": ["name", "structure", "pivot", "structure_parente", "typologie"]}),
    (
        _("Adresse"),
        {"fields": ["address", "address_complement", "postal_code", "commune", "latitude", "longitude"]},
    ),
    (
        _("Ouverture"),
        {"fields": ["opening_hours", "closed_permanently_on", "service_area", "service_area_communes"]},
    ),
    (
        _("Présentation et services"),
        {
            "fields": [
                "presentation_resume",
                "presentation_detail",
                "services",
                "publics",
                "languages",
                "prise_en_charge",
                "frais",
                "itinerance",
                "modalites_acces",
                "modalites_accompagnement",
                "dispositifs",
                "formations_labels",
                "autres_formations_labels",
                "fiche_acces_libre",
                "prise_rdv",
            ]
        },
    ),
    (
        _("Données du standard national"),
        {"classes": ["collapse"], "fields": ["external_id", "source", "date_maj", "staff_comment"]},
    ),
    (
        _("Fraîcheur"),
        {"fields": ["verified_at", "verified_by", "created_at", "updated_at", "loaded_version"]},
    ),
]
READONLY_VENUE_FIELDS = ["verified_at", "verified_by", "created_at", "updated_at"]
VENUE_FORM_FIELDS = [
    f for _name, opts in VENUE_FIELDSETS for f in opts["fields"] if f not in [*READONLY_VENUE_FIELDS, "loaded_version"]
]


# --- forms -----------------------------------------------------------------------------------


def multiple_choice_field(db_field, **kwargs):
    """ArrayField of choices → checkboxes rather than a comma-separated text box."""
    return forms.TypedMultipleChoiceField(
        choices=db_field.base_field.choices,
        widget=forms.CheckboxSelectMultiple,
        required=not db_field.blank,
        label=db_field.verbose_name,
        help_text=db_field.help_text,
        **{k: v for k, v in kwargs.items() if k == "initial"},
    )


def describe_changes(venue, since_version):
    """[(field label, old, new)] between the history record at ``since_version`` and now."""
    records = list(venue.history.order_by("-history_date", "-history_id"))
    if not records:
        return []
    latest = records[0]
    older = next((r for r in records if r.version == since_version), None)
    if older is None or older.history_id == latest.history_id:
        return []
    delta = latest.diff_against(older)
    rows = []
    for change in delta.changes:
        try:
            label = Venue._meta.get_field(change.field).verbose_name
        except FieldDoesNotExist:  # a field removed since: show its name
            label = change.field
        rows.append((str(label), change.old, change.new))
    return rows


def conflict_message(venue, since_version):
    info = venue.current_version_info()
    who = (info.history_user.get_full_name() or info.history_user.get_username()) if info and info.history_user else "?"
    when = date_format(timezone.localtime(info.history_date), "DATETIME_FORMAT") if info else "?"
    text = gettext(
        "Ce lieu a été modifié par %(who)s le %(when)s pendant que vous l'éditiez. "
        "Vos modifications n'ont pas été enregistrées, pour ne pas écraser les siennes : "
        "rechargez la page pour partir de la version actuelle, puis refaites vos changements."
    ) % {"who": who, "when": when}
    changes = describe_changes(venue, since_version)
    if changes:
        detail = " ; ".join(f"{label} : « {old} » → « {new} »" for label, old, new in changes[:12])
        text += " " + gettext("Modifié entre-temps : %(detail)s.") % {"detail": detail}
    return text


class VenueAdminForm(forms.ModelForm):
    # The version the user loaded; saving compares it with the row (no lost update).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Venue
        fields = VENUE_FORM_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The row's version, not the instance's: a history (revert) form is built from an
            # old copy, and reverting is an edit of the current version.
            current = Venue.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            self.fields["loaded_version"].initial = current if current is not None else self.instance.version

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        submitted = cleaned.get("loaded_version")
        rows = Venue.objects.filter(pk=self.instance.pk)
        if connection.in_atomic_block:
            # Lock the row until the admin's transaction ends: check and save are one step.
            rows = rows.select_for_update()
        current = rows.values_list("version", flat=True).first()
        if submitted is None or current is None or submitted != current:
            raise ValidationError(conflict_message(self.instance, submitted), code="version_conflict")
        self.instance.version = submitted
        return cleaned


class QuickClosureForm(forms.Form):
    starts_on = forms.DateField(label=_("Fermé du"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laisser vide si la date de réouverture est inconnue."),
    )
    # Optional for clients that post without it: « Autre » then, as before.
    reason = forms.ChoiceField(
        label=_("Motif"), choices=enums.ClosureReason.choices, initial=enums.ClosureReason.OTHER, required=False
    )
    public_message = forms.CharField(
        label=_("Message au public"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ex. « Fermé pour travaux, joignable par SMS au 06 39 98 00 00 »"),
    )
    open_channels = forms.ModelMultipleChoiceField(
        label=_("Canaux qui restent ouverts"),
        queryset=Channel.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, venue, **kwargs):
        super().__init__(*args, **kwargs)
        self.venue = venue
        self.fields["open_channels"].queryset = venue.channels.all()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("La date de fin doit être postérieure ou égale à la date de début."))
        return cleaned


# --- list filters ----------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """``?statut=ouvert``: the words of the public list (``enums.STATUS_URL_WORDS``); the old
    ``?statut=open`` links redirect to them (``VenueAdmin.changelist_view``)."""

    title = _("statut aujourd'hui")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [(enums.STATUS_URL_WORDS[status], status.label) for status in enums.VenueStatus]

    def queryset(self, request, queryset):
        status = enums.STATUS_FROM_URL.get(self.value())
        return queryset if status is None else queryset.in_status_on(status, timezone.localdate())


class FreshnessFilter(admin.SimpleListFilter):
    title = _("fraîcheur")
    parameter_name = "fraicheur"

    def lookups(self, request, model_admin):
        return [("stale", _("À vérifier (ancienne)")), ("fresh", _("À jour"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.stale()
        if self.value() == "fresh":
            return queryset.fresh()
        return queryset


class ScenarioFilter(admin.SimpleListFilter):
    """What the venue has set up (``has_channel_usable_in``), whatever its status today: the
    entries to complete. « Joignable » is kept for the one reachability (``reachable_in``:
    public list, API, coverage, sheets, SMS), which a closure changes."""

    title = _("canaux prévus par scénario")
    parameter_name = "scenario"

    def lookups(self, request, model_admin):
        return [
            ("1", _("un canal utilisable dans le scénario 1 (sans internet ni réseau)")),
            ("2", _("un canal utilisable dans le scénario 2 (téléphone sans internet)")),
            ("3", _("un canal utilisable dans le scénario 3 (connecté)")),
            ("not1", _("aucun canal utilisable dans le scénario 1")),
            ("not2", _("aucun canal utilisable dans le scénario 2")),
            ("none", _("aucun canal de contact")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in {"1", "2", "3"}:
            return queryset.has_channel_usable_in(int(value))
        if value in {"not1", "not2"}:
            return queryset.exclude(pk__in=Venue.objects.has_channel_usable_in(int(value[-1])).values("pk"))
        if value == "none":
            # No channel at all (not « unreachable today »: a closed venue keeps its channels).
            return queryset.exclude(Exists(Channel.objects.filter(venue=OuterRef("pk"))))
        return queryset


# --- inlines ---------------------------------------------------------------------------------


class ChannelAdminForm(forms.ModelForm):
    # Blank means "the kind's default scenario": None reaches Channel.clean(), which fills it.
    scenario = forms.TypedChoiceField(
        label=_("accessible dès le scénario"),
        choices=[("", _("— selon le type —")), *enums.AccessScenario.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Le scénario le moins équipé qui peut utiliser ce canal ; par défaut selon le type."),
    )

    class Meta:
        model = Channel
        fields = ["venue", "kind", "value", "label", "availability", "position", "scenario"]


class ChannelInline(RuleBasedInline):
    model = Channel
    form = ChannelAdminForm
    fields = ["kind", "value", "label", "availability", "position", "scenario"]
    verbose_name = _("canal de contact")
    verbose_name_plural = _("canaux de contact (par scénario d'accès)")


class ClosurePeriodInline(RuleBasedInline):
    model = ClosurePeriod
    fields = ["starts_on", "ends_on", "reason", "public_message", "open_channels"]
    verbose_name_plural = _("périodes de fermeture temporaire")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "open_channels":
            venue = getattr(request, "_admin_venue", None)
            kwargs["queryset"] = venue.channels.all() if venue else Channel.objects.none()
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- the venue admin -------------------------------------------------------------------------


@admin.register(Venue)
class VenueAdmin(RuleBasedHistoryAdmin):
    form = VenueAdminForm
    inlines = [ChannelInline, ClosurePeriodInline]
    list_display = ["listed_name", "commune", "structure", "status_label", "freshness", "verified_at"]
    list_select_related = ["commune", "commune__departement", "structure"]
    list_filter = [
        StatusFilter,
        FreshnessFilter,
        ScenarioFilter,
        ("structure", admin.RelatedOnlyFieldListFilter),
        ("commune__departement", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["search_text"]
    search_help_text = _("Nom, commune, code postal ou structure, avec ou sans accents.")
    ordering = ["sort_name", "pk"]
    autocomplete_fields = ["commune", "service_area_communes"]
    readonly_fields = READONLY_VENUE_FIELDS
    actions = ["confirm_selected"]
    change_form_template = "admin/directory/venue/change_form.html"
    change_list_template = "admin/directory/venue/change_list.html"
    fieldsets = VENUE_FIELDSETS

    # --- scope ---------------------------------------------------------------------------
    def scoped_queryset(self, request, queryset):
        # Rows carry the user's rights, so the confirm button costs no query per row.
        return queryset.viewable_by(request.user).with_rights_of(request.user).prefetch_related("closures")

    def can_list(self, user):
        return Venue.objects.viewable_by(user).exists() or self.can_add(user)

    def can_view(self, user, obj):
        return obj.can_view_admin(user)

    def can_change(self, user, obj):
        return obj.can_edit(user)

    def can_delete(self, user, obj):
        return obj.can_delete(user)

    def can_add(self, user):
        return Structure.objects.editable_by(user).exists()

    def can_change_any(self, user):
        return Structure.objects.editable_by(user).exists()

    def can_delete_any(self, user):
        return Structure.objects.managed_by(user).exists()

    def deletable_queryset(self, request, queryset):
        return queryset.deletable_by(request.user)

    def has_verify_permission(self, request, obj=None):
        if not is_backoffice_user(request.user):
            return False
        if obj is None:
            return per_request(request, "venue-verify", lambda: Venue.objects.verifiable_by(request.user).exists())
        return obj.can_verify(request.user)

    # --- form ----------------------------------------------------------------------------
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            # ``loaded_version`` is a hidden form field, meaningless when adding or reading.
            fieldsets = [
                (name, {**opts, "fields": [f for f in opts["fields"] if f != "loaded_version"]})
                for name, opts in fieldsets
            ]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        request._admin_venue = obj
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, ArrayField) and db_field.base_field.choices:
            return multiple_choice_field(db_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "structure" and not request.user.is_superuser:
            kwargs["queryset"] = Structure.objects.editable_by(request.user)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Every word, accent-free, somewhere in name, commune, postal code or structure.
        words = fold(search_term)[:200].split()
        for word in words[:8]:
            queryset = queryset.filter(search_text__icontains=word)
        return queryset, False

    # --- writes: every one through the shared write path (directory/actions.py) -----------
    def save_model(self, request, obj, form, change):
        # Editing an entry confirms it (history, data version).
        actions.save_venue(obj, request.user, service_area_communes=form.cleaned_data.get("service_area_communes"))

    def save_related(self, request, form, formsets, change):
        # The form's only many-to-many (service_area_communes) was saved by ``save_venue``.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        """The channel and closure inlines, row by row through the write path (the venue's
        save has confirmed the entry already)."""
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, Channel):
                actions.delete_channel(obj, request.user)
            else:
                actions.delete_closure(obj, request.user)
        for row in formset.saved_forms:
            if isinstance(row.instance, Channel):
                actions.save_channel(row.instance, request.user, confirm=False)
            else:
                actions.save_closure(
                    row.instance, request.user, open_channels=row.cleaned_data.get("open_channels"), confirm=False
                )

    def delete_model(self, request, obj):
        actions.delete_venue(obj, request.user)

    def delete_queryset(self, request, queryset):
        for venue in queryset:
            actions.delete_venue(venue, request.user)

    # --- list columns --------------------------------------------------------------------
    # Sorted in French order (« Centre » before « CORIF »), not by the column's byte order.
    @admin.display(description=_("nom"), ordering="sort_name")
    def listed_name(self, obj):
        return obj.name

    @admin.display(description=_("statut"))
    def status_label(self, obj):
        return obj.status.label

    @admin.display(description=_("fraîcheur"), ordering="verified_at")
    def freshness(self, obj):
        if obj.is_stale:
            return format_html('<strong class="gll-stale">{}</strong>', gettext("À vérifier"))
        return gettext("À jour")

    def confirm_button(self, request, obj):
        allowed = getattr(obj, "user_can_verify", None)
        if not (obj.can_verify(request.user) if allowed is None else allowed):
            return ""
        # ``formaction`` submits the change list's own form (with its CSRF token) to the confirm
        # view: one click, no JavaScript, no nested form.
        return format_html(
            '<button type="submit" class="button" formnovalidate formaction="{}" name="next" value="{}" '
            'aria-label="{}">{}</button>',
            reverse("admin:directory_venue_confirm", args=[obj.pk]),
            request.get_full_path(),
            gettext("Confirmer que les informations de « %(name)s » sont à jour") % {"name": obj.name},
            gettext("Confirmer"),
        )

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self.has_verify_permission(request):
            # A per-request column: the button depends on the user, and the ModelAdmin instance
            # is shared between threads.
            def confirm(obj):
                return self.confirm_button(request, obj)

            confirm.short_description = _("confirmer à jour")
            columns.append(confirm)
        return columns

    # --- actions -------------------------------------------------------------------------
    @admin.action(description=_("Confirmer que les informations sont à jour"), permissions=["verify"])
    def confirm_selected(self, request, queryset):
        count = actions.confirm_venues(queryset.verifiable_by(request.user), request.user)
        self.message_user(
            request,
            gettext("%(count)d lieu(x) confirmé(s) à jour.") % {"count": count},
            messages.SUCCESS,
        )

    # --- custom views --------------------------------------------------------------------
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/confirmer/", view(self.confirm_view), name="directory_venue_confirm"),
            path("<path:object_id>/fermeture/", view(self.quick_closure_view), name="directory_venue_quick_closure"),
            *super().get_urls(),
        ]

    def _venue_or_404(self, request, object_id):
        venue = self.get_queryset(request).filter(pk=unquote(object_id)).first() if object_id.isdigit() else None
        if venue is None:
            raise Http404(gettext("Ce lieu n'existe pas ou ne fait pas partie de votre périmètre."))
        return venue

    def _safe_next(self, request, default):
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return target
        return default

    def confirm_view(self, request, object_id):
        """GET: a confirmation page (the link e-mailed by reminders); POST: confirm."""
        venue = self._venue_or_404(request, object_id)
        if not venue.can_verify(request.user):
            raise PermissionDenied
        change_url = reverse("admin:directory_venue_change", args=[venue.pk])
        if request.method == "POST":
            actions.confirm_venue(venue, request.user)
            self.message_user(
                request,
                gettext("Merci : « %(name)s » est confirmé à jour.") % {"name": venue.name},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._safe_next(request, change_url))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Confirmer que les informations sont à jour"),
            "venue": venue,
            "opts": self.model._meta,
            "change_url": change_url,
            "next": self._safe_next(request, change_url),
        }
        return TemplateResponse(request, "admin/directory/venue/confirm.html", context)

    def quick_closure_view(self, request, object_id):
        venue = self._venue_or_404(request, object_id)
        if not venue.can_edit(request.user):
            raise PermissionDenied
        change_url = reverse("admin:directory_venue_change", args=[venue.pk])
        form = QuickClosureForm(request.POST or None, venue=venue, prefix="closure")
        if request.method == "POST" and form.is_valid():
            try:
                closure = actions.declare_closure(
                    venue,
                    request.user,
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                    reason=form.cleaned_data["reason"],
                    public_message=form.cleaned_data["public_message"],
                    open_channels=form.cleaned_data["open_channels"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            if form.is_valid():
                self.message_user(
                    request, gettext("Fermeture temporaire enregistrée : %(closure)s.") % {"closure": closure}
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Déclarer une fermeture temporaire"),
            "venue": venue,
            "form": form,
            "opts": self.model._meta,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/directory/venue/quick_closure.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        venue = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if venue is not None:
            extra_context.update(
                can_verify=venue.can_verify(request.user),
                can_quick_close=venue.can_edit(request.user),
                confirm_url=reverse("admin:directory_venue_confirm", args=[venue.pk]),
                quick_closure_url=reverse("admin:directory_venue_quick_closure", args=[venue.pk]),
                quick_closure_form=QuickClosureForm(venue=venue, prefix="closure"),
                venue_is_stale=venue.is_stale,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        from directory.opendata.admin_views import can_import

        status = enums.STATUS_FROM_URL.get(request.GET.get(StatusFilter.parameter_name, ""))
        if status is not None and request.GET[StatusFilter.parameter_name] != enums.STATUS_URL_WORDS[status]:
            # An old link (``?statut=temporarily_closed``): the same list, under its one spelling.
            query = request.GET.copy()
            query[StatusFilter.parameter_name] = enums.STATUS_URL_WORDS[status]
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")

        extra_context = {**(extra_context or {}), "can_import": can_import(request.user)}
        return super().changelist_view(request, extra_context)


# --- channels and closures on their own (lists across every venue of the scope) -------------


class VenuePartAdmin(RuleBasedHistoryAdmin):
    """Channels and closure periods follow their venue's rules."""

    def scoped_queryset(self, request, queryset):
        return queryset.viewable_by(request.user).select_related("venue", "venue__commune")

    def can_list(self, user):
        return Venue.objects.viewable_by(user).exists()

    def can_view(self, user, obj):
        return obj.can_view_admin(user)

    def can_change(self, user, obj):
        return obj.can_edit(user)

    can_delete = can_change

    def can_add(self, user):
        return Venue.objects.editable_by(user).exists()

    can_change_any = can_add
    can_delete_any = can_add

    def deletable_queryset(self, request, queryset):
        return queryset.editable_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "venue":
            kwargs["queryset"] = Venue.objects.editable_by(request.user).select_related("commune")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Writes through the shared write path (directory/actions.py); editing a part of the entry
    # confirms the entry.
    def save_model(self, request, obj, form, change):
        if isinstance(obj, Channel):
            actions.save_channel(obj, request.user)
        else:
            actions.save_closure(obj, request.user, open_channels=form.cleaned_data.get("open_channels"))

    def save_related(self, request, form, formsets, change):
        # The closure's channels staying open were saved by ``save_closure``; no inlines here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        if isinstance(obj, Channel):
            actions.delete_channel(obj, request.user)
        else:
            actions.delete_closure(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Channel)
class ChannelAdmin(VenuePartAdmin):
    form = ChannelAdminForm
    list_display = ["__str__", "venue", "scenario", "label", "availability"]
    list_filter = ["kind", "scenario"]
    search_fields = ["venue__search_text", "value", "label"]
    fields = ["venue", "kind", "value", "label", "availability", "position", "scenario"]

    def get_search_results(self, request, queryset, search_term):
        folded = fold(search_term)[:200]
        if not folded:
            return queryset, False
        return queryset.filter(venue__search_text__icontains=folded), False


class ClosurePeriodAdminForm(forms.ModelForm):
    class Meta:
        model = ClosurePeriod
        fields = ["venue", "starts_on", "ends_on", "reason", "public_message", "open_channels"]

    def clean(self):
        cleaned = super().clean()
        venue = cleaned.get("venue")
        strays = [c for c in cleaned.get("open_channels") or [] if venue and c.venue_id != venue.pk]
        if strays:
            self.add_error("open_channels", _("Choisissez uniquement des canaux du lieu fermé."))
        return cleaned


@admin.register(ClosurePeriod)
class ClosurePeriodAdmin(VenuePartAdmin):
    form = ClosurePeriodAdminForm
    list_display = ["__str__", "venue", "reason", "public_message"]
    list_filter = ["reason"]
    fields = ["venue", "starts_on", "ends_on", "reason", "public_message", "open_channels"]
    search_fields = ["venue__search_text"]

    def get_search_results(self, request, queryset, search_term):
        folded = fold(search_term)[:200]
        if not folded:
            return queryset, False
        return queryset.filter(venue__search_text__icontains=folded), False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "open_channels":
            kwargs["queryset"] = Channel.objects.editable_by(request.user).select_related("venue")
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # ``save_closure`` (through VenuePartAdmin.save_model) sets ``created_by`` on a new closure.
