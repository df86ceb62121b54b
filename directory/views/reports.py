"""« Signaler une information erronée »: a public form on each venue page. No login; bots are
turned away by a honeypot field and every client by a rate limit (per hashed IP, in PostgreSQL)."""

from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from directory import enums, ratelimit
from directory.models import Report, Venue
from directory.notifications import notify_report


class ReportForm(forms.ModelForm):
    # Honeypot: hidden from people by a CSS class (no inline style: CSP), filled by bots.
    website = forms.CharField(
        label=_("Ne pas remplir ce champ"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Report
        fields = ["topic", "comment", "contact"]
        widgets = {
            "topic": forms.RadioSelect,
            "comment": forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        }
        labels = {
            "topic": _("Quelle information est erronée ?"),
            "comment": _("Qu'avez-vous constaté ?"),
            "contact": _("Votre téléphone ou e-mail (facultatif)"),
        }
        help_texts = {
            "comment": _("2000 caractères au plus. N'indiquez pas d'informations personnelles sur d'autres personnes."),
            "contact": _("Seulement si vous acceptez d'être recontacté(e) au sujet de ce signalement."),
        }
        error_messages = {
            "topic": {"required": _("Choisissez l'information concernée.")},
            "comment": {
                "required": _("Décrivez ce qui est erroné."),
                "max_length": _("Le commentaire ne doit pas dépasser 2000 caractères."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = enums.ReportTopic.choices
        self.fields["comment"].max_length = 2000

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


def take_rate_slot(request) -> bool:
    """Count one report for this client; False when over ``REPORT_RATE_LIMIT_PER_HOUR``. The
    count is one atomic row update in PostgreSQL (``directory.ratelimit``): no visitor can evict
    it, and simultaneous reports are all counted."""
    hit = ratelimit.hit("report", ratelimit.client_key(request), 3600)
    return hit.count <= settings.REPORT_RATE_LIMIT_PER_HOUR


@never_cache
def report_venue(request, slug):
    venue = get_object_or_404(Venue.objects.select_related("commune", "structure"), slug=slug)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            # Look like a success so the bot learns nothing; store and send nothing.
            return redirect("directory:venue_report_thanks", slug=venue.slug)
        if form.is_valid():
            if not take_rate_slot(request):
                form.add_error(
                    None,
                    _("Vous avez envoyé beaucoup de signalements en peu de temps. Réessayez dans une heure."),
                )
                status = 429
            else:
                report = form.save(commit=False)
                report.venue = venue
                report.save()
                transaction.on_commit(lambda: notify_report(report))
                return redirect("directory:venue_report_thanks", slug=venue.slug)
        else:
            status = 400
    return render(request, "directory/report_form.html", {"venue": venue, "form": form}, status=status)


def report_thanks(request, slug):
    venue = get_object_or_404(Venue, slug=slug)
    return render(request, "directory/report_thanks.html", {"venue": venue})
