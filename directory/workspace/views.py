"""« Mon lieu »: the page where a mediator keeps a venue current from a phone, outside the Django
admin. One HTML form (closure, channels, hours, vocabularies) validated together and saved in
one transaction through ``directory.actions``; buttons that add a channel row re-display the
form with everything typed so far, so no work is ever lost (no JavaScript needed)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from directory import actions, enums, hours
from directory.channel_checks import PHONE_KINDS, flag_notice
from directory.models import Channel, ClosurePeriod, Suggestion, Venue
from directory.models.common import VersionConflict
from directory.workspace.forms import (
    ADDABLE_KINDS,
    ChannelFormSet,
    ClosureTaskForm,
    HoursTaskForm,
    VocabularyTaskForm,
)


def lands_on_workspace(user) -> bool:
    """Mediators and structure managers start on « Mon lieu »; superusers and département staff
    on the admin (their work is across venues)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and not user.departement_assignments.exists()
        and Venue.objects.editable_by(user).exists()
    )


def _editable(user):
    return Venue.objects.editable_by(user).select_related("commune", "structure")


@never_cache
def workspace_home(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    venues = list(
        _editable(request.user).prefetch_related(_closures(timezone.localdate())).order_by("sort_name", "pk")[:201]
    )
    if len(venues) == 1:
        return redirect("directory:workspace_venue", pk=venues[0].pk)
    # One query for the flagged channels of every listed venue.
    flagged = defaultdict(list)
    for channel in Channel.objects.flagged().filter(venue__in=venues).select_related("last_check"):
        flagged[channel.venue_id].append(_flag(channel))
    for venue in venues:
        venue.flags = sorted(flagged.get(venue.pk, []), key=lambda flag: (flag["channel"].position, flag["channel"].pk))
    open_suggestions = Suggestion.objects.moderated_by(request.user).open().count()
    context = {"venues": venues, "today": timezone.localdate(), "open_suggestions": open_suggestions}
    return render(request, "directory/workspace/list.html", context)


def _flag(channel):
    """What « Mon lieu » shows for a flagged channel: the sentence and the two actions."""
    return {
        "channel": channel,
        "notice": flag_notice(channel.latest_check),
        "is_number": channel.kind in PHONE_KINDS,
        "fix_url": reverse("directory:workspace_venue", args=[channel.venue_id]) + f"#panne-{channel.pk}",
        "works_url": reverse("directory:workspace_channel_works", args=[channel.venue_id, channel.pk]),
    }


def _closures(today):
    return Prefetch(
        "closures", queryset=ClosurePeriod.objects.current_or_upcoming(today).prefetch_related("open_channels")
    )


def active_closure(venue, today):
    """The closure « Mon lieu » edits: the current one, else the next one."""
    current = venue.current_closure(today)
    if current:
        return current
    upcoming = venue.upcoming_closures(today)
    return upcoming[0] if upcoming else None


class TaskPage:
    """The four forms of the page, bound or not, and what the template needs from them."""

    def __init__(self, request, venue, data=None):
        self.venue = venue
        self.today = timezone.localdate()
        self.closure = active_closure(venue, self.today)
        open_ids = frozenset(c.pk for c in self.closure.open_channels.all()) if self.closure else frozenset()
        self.open_ids = open_ids
        self.closure_form = ClosureTaskForm(data, prefix="closure", closure=self.closure)
        self.channels = ChannelFormSet(
            data,
            instance=venue,
            prefix="channels",
            # The check rides along: flagged channels are shown without a query per row.
            queryset=venue.channels.select_related("last_check").order_by("position", "pk"),
            form_kwargs={"open_ids": open_ids},
        )
        self.hours_form = HoursTaskForm(data, prefix="hours", expression=venue.opening_hours)
        self.vocabulary_form = VocabularyTaskForm(data, prefix="venue", instance=venue)
        self.forms = [self.closure_form, self.vocabulary_form, self.hours_form]
        self.extra_errors: list[str] = []

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.forms] + [self.channels.is_valid()]
        return all(results)

    def has_changed(self) -> bool:
        return any(form.has_changed() for form in self.forms) or self.channels.has_changed()

    def silence_errors(self):
        """Re-display typed data without validating it (after « add a channel »)."""
        for form in [*self.forms, *self.channels.forms]:
            form._errors = ErrorDict()
        self.channels._errors = [ErrorDict() for _form in self.channels.forms]
        self.channels._non_form_errors = ErrorList()

    def error_summary(self) -> list[tuple[str, str]]:
        """[(anchor, message)] for the summary at the top, each linking to its field."""
        items = [("", message) for message in self.extra_errors]
        for form in self.forms:
            for name, errors in form.errors.items():
                anchor = f"id_{form.add_prefix(name)}" if name != "__all__" else ""
                label = form.fields[name].label if name in form.fields else ""
                items.extend((anchor, f"{label} : {message}" if label else message) for message in errors)
        for index, form in enumerate(self.channels.forms):
            for name, errors in form.errors.items():
                anchor = f"id_{form.add_prefix(name)}" if name != "__all__" else f"canal-{index}"
                what = form.kind_label or _("Canal")
                items.extend((anchor, f"{what} : {message}") for message in errors)
        items.extend(("canaux", message) for message in self.channels.non_form_errors())
        return items

    def flags(self) -> list[dict]:
        """The saved channels flagged by the automatic checks; each row's form gets its own
        (``form.flag``) for the notice in the row."""
        flags = []
        for form in self.channels.forms:
            form.flag = _flag(form.instance) if form.instance.pk and form.instance.is_flagged else None
            if form.flag:
                flags.append(form.flag)
        return flags

    def context(self):
        venue = self.venue
        expression = venue.opening_hours
        flags = self.flags()
        return {
            "flags": flags,
            "venue": venue,
            "page": self,
            "closure": self.closure,
            "status": venue.status_on(self.today),
            "status_label": venue.status_on(self.today).label,
            "closure_form": self.closure_form,
            "channels": self.channels,
            "hours_form": self.hours_form,
            "vocabulary_form": self.vocabulary_form,
            "week": hours.week(expression, self.today, venue.commune_id),
            "addable_kinds": [(kind.value, kind.label) for kind in ADDABLE_KINDS],
            "errors": self.error_summary(),
            "verified_at": venue.verified_at,
            "is_stale": venue.is_stale,
            "poster_url": reverse("directory:venue_poster", args=[venue.slug]),
            "admin_url": reverse("admin:directory_venue_change", args=[venue.pk]),
            "open_suggestions": venue.suggestions.filter(status=enums.SuggestionStatus.OPEN).count(),
        }


@never_cache
def workspace_venue(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    today = timezone.localdate()
    venue = _editable(request.user).prefetch_related(_closures(today), "channels").filter(pk=pk).first()
    if venue is None:
        raise Http404(_("Ce lieu n'existe pas ou vous ne pouvez pas le modifier."))
    if request.method != "POST":
        page = TaskPage(request, venue)
        return render(request, "directory/workspace/venue.html", page.context())

    data = request.POST
    add_kind = data.get("add")
    if add_kind in enums.ChannelKind.values:
        return _add_row(request, venue, add_kind)
    page = TaskPage(request, venue, data)
    if "confirm_only" in data:
        if page.has_changed():
            page.silence_errors()
            page.extra_errors.append(
                _("Vous avez modifié des champs : utilisez « Enregistrer » pour les garder (rien n'a été perdu).")
            )
            return render(request, "directory/workspace/venue.html", page.context(), status=400)
        actions.confirm_venue(venue, request.user)
        messages.success(request, _("Merci : les informations sont confirmées à jour aujourd'hui."))
        return HttpResponseRedirect(reverse("directory:workspace_venue", args=[venue.pk]) + "#enregistre")
    if not page.is_valid():
        return render(request, "directory/workspace/venue.html", page.context(), status=400)
    try:
        _save(request, page)
    except VersionConflict:
        from directory.admin.venues import conflict_message

        page.extra_errors.append(conflict_message(venue, page.vocabulary_form.cleaned_data.get("loaded_version")))
        return render(request, "directory/workspace/venue.html", page.context(), status=409)
    except ValidationError as error:
        page.extra_errors.extend(error.messages)
        return render(request, "directory/workspace/venue.html", page.context(), status=400)
    when = formats.date_format(timezone.localtime(), "j F Y à H:i")
    messages.success(request, _("Enregistré. Les informations sont confirmées à jour le %(when)s.") % {"when": when})
    return HttpResponseRedirect(reverse("directory:workspace_venue", args=[venue.pk]) + "#enregistre")


def _add_row(request, venue, kind):
    """One more channel row of ``kind``, everything typed so far kept, nothing saved."""
    data = request.POST.copy()
    total = int(data.get("channels-TOTAL_FORMS") or 0)
    positions = [
        int(v) for k, v in data.items() if k.startswith("channels-") and k.endswith("-position") and v.isdigit()
    ]
    data["channels-TOTAL_FORMS"] = str(total + 1)
    data[f"channels-{total}-kind"] = kind
    data[f"channels-{total}-position"] = str(max(positions, default=0) + 1)
    data[f"channels-{total}-stays_open"] = "on"
    page = TaskPage(request, venue, data)
    page.silence_errors()
    page.channels.forms[total].fields["value"].widget.attrs["autofocus"] = True
    context = page.context()
    context["new_row"] = total
    return render(request, "directory/workspace/venue.html", context)


def _save(request, page: TaskPage):
    user = request.user
    venue = page.venue
    with transaction.atomic():
        current = Venue.objects.select_for_update().filter(pk=venue.pk).values_list("version", flat=True).first()
        loaded = page.vocabulary_form.cleaned_data.get("loaded_version")
        if loaded is None or current != loaded:
            raise VersionConflict(venue, loaded)
        edited = page.vocabulary_form.save(commit=False)
        edited.version = loaded
        edited.opening_hours = page.hours_form.cleaned_data["expression"]
        actions.save_venue(edited, user)
        # Channels first: a closure declared in the same submission keeps the new ones open.
        kept = []
        for form in page.channels.forms:
            if form in page.channels.deleted_forms:
                if form.instance.pk:
                    actions.delete_channel(form.instance, user)
                continue
            if form.has_changed():
                channel = form.save(commit=False)
                channel.venue = edited
                actions.save_channel(channel, user, confirm=False)
            if form.instance.pk and form.cleaned_data.get("stays_open"):
                kept.append(form.instance)
        closure_form = page.closure_form
        if closure_form.wants_lift:
            actions.lift_closure(page.closure, user, confirm=False)
        elif closure_form.wants_closure:
            actions.declare_closure(edited, user, open_channels=kept, confirm=False, **closure_form.closure_fields())
        elif page.closure is not None and (closure_form.has_changed() or {c.pk for c in kept} != page.open_ids):
            actions.update_closure(
                page.closure, user, open_channels=kept, confirm=False, **closure_form.closure_fields()
            )


@never_cache
@require_POST
def channel_works(request, pk, channel_pk):
    """« Le lien fonctionne »: the mediator confirms a flagged channel works
    (``actions.confirm_channel_works``). Whoever may edit the venue (``Venue.can_edit``) may
    confirm; anyone else gets 404, like the page itself."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("directory:workspace_venue", args=[pk]))
    channel = Channel.objects.select_related("venue", "last_check").filter(pk=channel_pk, venue_id=pk).first()
    if channel is None or not channel.venue.can_edit(request.user):
        raise Http404(_("Ce lieu n'existe pas ou vous ne pouvez pas le modifier."))
    if channel.is_flagged:
        actions.confirm_channel_works(channel, request.user)
        messages.success(
            request,
            _(
                "Merci : ce lien est noté comme fonctionnel. Il sera signalé de nouveau si la prochaine vérification échoue."
            ),
        )
    else:
        messages.info(request, _("Ce lien n'est pas signalé en panne : rien à confirmer."))
    if request.POST.get("retour") == "liste":
        return HttpResponseRedirect(reverse("directory:workspace"))
    return HttpResponseRedirect(reverse("directory:workspace_venue", args=[pk]) + "#canaux")
