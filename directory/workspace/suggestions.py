"""« Proposer un lieu », « Proposer une modification » (public, no login, rate-limited and
spam-guarded like « Signaler une erreur ») and their moderation queue on « Mon lieu »."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from directory import actions, enums
from directory.channels import display_phone, normalise_phone, normalise_url
from directory.hours import validate_opening_hours
from directory.models import Commune, Suggestion, Venue
from directory.text import fold
from directory.views.reports import take_rate_slot


def _clean_phone(value: str) -> str:
    return normalise_phone(value) if value.strip() else ""


def _clean_url(value: str) -> str:
    return normalise_url(value) if value.strip() else ""


class SuggestionForm(forms.Form):
    """What both public forms ask; the honeypot ``homepage`` is hidden by CSS (``.hp-field``)."""

    phone = forms.CharField(
        label=gettext_lazy("Téléphone"), required=False, max_length=30, help_text=gettext_lazy("Ex. 03 53 01 00 00")
    )
    email = forms.EmailField(label=gettext_lazy("E-mail du lieu"), required=False)
    site_web = forms.CharField(label=gettext_lazy("Site web"), required=False, max_length=500)
    hours = forms.CharField(
        label=gettext_lazy("Horaires"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("En clair, ex. « du lundi au vendredi, 9 h – 12 h »."),
    )
    comment = forms.CharField(
        label=gettext_lazy("Votre message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
        error_messages={"required": gettext_lazy("Dites-nous ce que vous proposez.")},
    )
    contact = forms.CharField(
        label=gettext_lazy("Votre téléphone ou e-mail (facultatif)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Seulement si vous acceptez d'être recontacté(e)."),
    )
    homepage = forms.CharField(
        label=gettext_lazy("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("homepage"))

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_site_web(self):
        return _clean_url(self.cleaned_data["site_web"])


class ChangeSuggestionForm(SuggestionForm):
    field_order = ["comment", "phone", "hours", "email", "site_web", "contact"]


class NewVenueSuggestionForm(SuggestionForm):
    name = forms.CharField(label=gettext_lazy("Nom du lieu"), max_length=250)
    address = forms.CharField(label=gettext_lazy("Adresse"), max_length=250)
    postal_code = forms.RegexField(
        label=gettext_lazy("Code postal"),
        regex=r"^\d{5}$",
        error_messages={"invalid": gettext_lazy("Le code postal doit comporter 5 chiffres.")},
    )
    commune_name = forms.CharField(label=gettext_lazy("Commune"), max_length=100)
    field_order = ["name", "address", "postal_code", "commune_name", "phone", "hours", "email", "site_web", "comment"]

    def clean(self):
        cleaned = super().clean()
        code, name = cleaned.get("postal_code"), cleaned.get("commune_name")
        if code and name:
            communes = list(Commune.objects.filter(postal_codes__contains=[code]).select_related("departement"))
            # Accents, case and hyphens forgiven; another commune's name is not.
            wanted = " ".join(fold(name).replace("-", " ").split())
            matching = [c for c in communes if " ".join(fold(c.name).replace("-", " ").split()) == wanted]
            if not matching:
                self.add_error(
                    "commune_name",
                    _("Aucune commune « %(name)s » n'a le code postal %(code)s.")
                    % {
                        "name": name,
                        "code": code,
                    },
                )
            else:
                cleaned["commune"] = matching[0]
        return cleaned


def _submit(request, form, build, template, context):
    status = 200
    if request.method == "POST":
        if form.is_bot():
            return redirect("directory:suggestion_thanks")
        if form.is_valid():
            if not take_rate_slot(request):
                form.add_error(
                    None, _("Vous avez envoyé beaucoup de messages en peu de temps. Réessayez dans une heure.")
                )
                status = 429
            else:
                build(form.cleaned_data).save()
                return redirect("directory:suggestion_thanks")
        else:
            status = 400
    return render(request, template, {**context, "form": form}, status=status)


@never_cache
def suggest_change(request, slug):
    venue = get_object_or_404(Venue.objects.select_related("commune"), slug=slug)
    form = ChangeSuggestionForm(request.POST or None)

    def build(data):
        return Suggestion(
            kind=enums.SuggestionKind.CHANGE,
            venue=venue,
            **{k: data[k] for k in ("phone", "email", "site_web", "hours", "comment", "contact")},
        )

    return _submit(request, form, build, "directory/suggestions/change.html", {"venue": venue})


@never_cache
def suggest_venue(request):
    form = NewVenueSuggestionForm(request.POST or None)

    def build(data):
        commune = data["commune"]
        return Suggestion(
            kind=enums.SuggestionKind.NEW_VENUE,
            commune=commune,
            departement_id=commune.departement_id,
            **{
                k: data[k]
                for k in ("name", "address", "postal_code", "phone", "email", "site_web", "hours", "comment", "contact")
            },
        )

    return _submit(request, form, build, "directory/suggestions/new_venue.html", {})


def suggestion_thanks(request):
    return render(request, "directory/suggestions/thanks.html")


# --- moderation --------------------------------------------------------------------------------


class ModerationForm(forms.Form):
    """Edit-then-accept: the proposal, or the venue's current values where nothing was proposed."""

    name = forms.CharField(label=gettext_lazy("Nom du lieu"), max_length=250)
    address = forms.CharField(label=gettext_lazy("Adresse"), max_length=250)
    postal_code = forms.RegexField(label=gettext_lazy("Code postal"), regex=r"^\d{5}$")
    opening_hours = forms.CharField(
        label=gettext_lazy("Horaires au format OpenStreetMap"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Ex. « Mo-Fr 09:00-12:00,14:00-17:00 »"),
    )
    phone = forms.CharField(label=gettext_lazy("Téléphone à ajouter"), required=False, max_length=30)
    email = forms.EmailField(label=gettext_lazy("E-mail à ajouter"), required=False)
    site_web = forms.CharField(label=gettext_lazy("Site web à ajouter"), required=False, max_length=500)

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        venue = suggestion.venue if suggestion.kind == enums.SuggestionKind.CHANGE else None
        kwargs.setdefault(
            "initial",
            {
                "name": suggestion.name or (venue.name if venue else ""),
                "address": suggestion.address or (venue.address if venue else ""),
                "postal_code": suggestion.postal_code or (venue.postal_code if venue else ""),
                "opening_hours": venue.opening_hours if venue else "",
                "phone": display_phone(suggestion.phone) if suggestion.phone else "",
                "email": suggestion.email,
                "site_web": suggestion.site_web,
            },
        )
        super().__init__(*args, **kwargs)
        self.suggestion = suggestion

    def clean_opening_hours(self):
        value = self.cleaned_data["opening_hours"].strip()
        try:
            validate_opening_hours(value)
        except ValidationError as error:
            raise ValidationError(error.message_dict["opening_hours"]) from None
        return value

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])

    def clean_site_web(self):
        return _clean_url(self.cleaned_data["site_web"])

    def clean(self):
        cleaned = super().clean()
        suggestion = self.suggestion
        if suggestion.kind == enums.SuggestionKind.NEW_VENUE:
            cleaned["commune"] = suggestion.commune
        else:
            cleaned["commune"] = suggestion.venue.commune
        code = cleaned.get("postal_code")
        commune = cleaned["commune"]
        if code and commune.postal_codes and code not in commune.postal_codes:
            self.add_error(
                "postal_code",
                _("Le code postal %(code)s ne correspond pas à la commune %(commune)s.")
                % {
                    "code": code,
                    "commune": commune.name,
                },
            )
        return cleaned


def _login_required(request):
    return None if request.user.is_authenticated else redirect_to_login(request.get_full_path())


@never_cache
def moderation_queue(request):
    if (refusal := _login_required(request)) is not None:
        return refusal
    queue = (
        Suggestion.objects.moderated_by(request.user)
        .open()
        .select_related("venue", "venue__commune", "commune")
        .order_by("-created_at")[:200]
    )
    return render(request, "directory/workspace/suggestions.html", {"suggestions": queue})


@never_cache
def moderate(request, pk):
    if (refusal := _login_required(request)) is not None:
        return refusal
    suggestion = (
        Suggestion.objects.moderated_by(request.user)
        .select_related("venue", "venue__commune", "commune", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if suggestion is None:
        raise Http404(_("Cette proposition n'existe pas ou ne vous est pas adressée."))
    decided = suggestion.status != enums.SuggestionStatus.OPEN
    form = ModerationForm(request.POST if request.method == "POST" and not decided else None, suggestion=suggestion)
    status = 200
    if request.method == "POST" and not decided:
        if "refuse" in request.POST:
            actions.refuse_suggestion(suggestion, request.user)
            messages.success(request, _("Proposition refusée."))
            return redirect("directory:moderation_queue")
        if form.is_valid():
            with transaction.atomic():
                venue = actions.accept_suggestion(suggestion, request.user, fields=form.cleaned_data)
            messages.success(request, _("Proposition acceptée : « %(name)s » est à jour.") % {"name": venue.name})
            return redirect("directory:moderation_queue")
        status = 400
    return render(
        request,
        "directory/workspace/suggestion.html",
        {"suggestion": suggestion, "form": form, "decided": decided},
        status=status,
    )
