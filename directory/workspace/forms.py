"""The forms of « Mon lieu »: one HTML form, four parts (closure, channels, hours, national
vocabularies), validated together and saved in one transaction by ``directory.workspace.views``."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import enums, hours
from directory.channels import display_phone, get_kind
from directory.models import Channel, ClosurePeriod, Venue
from directory.workspace import hours_editor

PHONE_KINDS = {enums.ChannelKind.PHONE, enums.ChannelKind.SMS}
# What the value box shows before anything is typed: the shape expected for the kind.
PLACEHOLDERS = {
    enums.ChannelKind.PHONE: "03 53 01 00 00",
    enums.ChannelKind.SMS: "06 39 98 00 00",
    enums.ChannelKind.WHATSAPP: "https://chat.whatsapp.com/…",
    enums.ChannelKind.FACEBOOK: "https://www.facebook.com/…",
    enums.ChannelKind.EMAIL: "contact@exemple.fr",
    enums.ChannelKind.WEBSITE: "https://…",
    enums.ChannelKind.VIDEO_STREAM: "https://www.youtube.com/…",
    enums.ChannelKind.VIDEO_CLASS: "https://…",
    enums.ChannelKind.ONLINE_COURSE: "https://…",
}
INPUT_TYPES = {enums.ChannelKind.PHONE: "tel", enums.ChannelKind.SMS: "tel", enums.ChannelKind.EMAIL: "email"}
# The kinds a mediator adds with one button each, in the order residents without internet need.
ADDABLE_KINDS = [
    enums.ChannelKind.PHONE,
    enums.ChannelKind.SMS,
    enums.ChannelKind.WHATSAPP,
    enums.ChannelKind.FACEBOOK,
    enums.ChannelKind.IN_PERSON,
    enums.ChannelKind.SIGNAGE,
    enums.ChannelKind.POST,
    enums.ChannelKind.EMAIL,
    enums.ChannelKind.WEBSITE,
    enums.ChannelKind.VIDEO_STREAM,
    enums.ChannelKind.VIDEO_CLASS,
    enums.ChannelKind.ONLINE_COURSE,
]
VOCABULARY_FIELDS = [
    "services",
    "publics",
    "modalites_acces",
    "modalites_accompagnement",
    "frais",
    "prise_en_charge",
    "itinerance",
    "dispositifs",
    "formations_labels",
    "typologie",
]
DATE_WIDGET = {"type": "date"}
TIME_WIDGET = {"type": "time"}
EXCEPTION_ROWS = 3


def _date_input():
    return forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d")


class ClosureTaskForm(forms.Form):
    """Declare, change or lift the venue's current (or next) temporary closure."""

    declare = forms.BooleanField(
        label=_("Le lieu ferme temporairement"),
        required=False,
        help_text=_("Cochez, ou remplissez simplement la date de réouverture ou le message."),
    )
    starts_on = forms.DateField(label=_("Fermé à partir du"), required=False, widget=_date_input())
    ends_on = forms.DateField(
        label=_("Réouverture prévue le"),
        required=False,
        widget=_date_input(),
        help_text=_("Le premier jour où le lieu rouvre. Vide : date inconnue."),
    )
    reason = forms.ChoiceField(label=_("Motif"), choices=enums.ClosureReason.choices, required=False)
    public_message = forms.CharField(
        label=_("Message au public"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Affiché en grand sur la fiche et sur l'affiche. Ex. « Fermé pour travaux, joignable par SMS »."),
    )
    lift = forms.BooleanField(label=_("Lever la fermeture : le lieu rouvre aujourd'hui"), required=False)

    def __init__(self, *args, closure: ClosurePeriod | None = None, **kwargs):
        self.closure = closure
        initial = kwargs.setdefault("initial", {})
        if closure is not None:
            initial.update(
                starts_on=closure.starts_on,
                # Residents read the reopening day; the model stores the last closed day.
                ends_on=closure.ends_on + datetime.timedelta(days=1) if closure.ends_on else None,
                reason=closure.reason,
                public_message=closure.public_message,
            )
        else:
            initial.update(starts_on=timezone.localdate(), reason=enums.ClosureReason.OTHER)
        super().__init__(*args, **kwargs)
        if closure is None:
            del self.fields["lift"]
        else:
            del self.fields["declare"]

    @property
    def wants_closure(self) -> bool:
        """A new closure is declared (no closure yet, and the box ticked or a date or message typed)."""
        data = self.cleaned_data
        return self.closure is None and bool(data.get("declare") or data.get("ends_on") or data.get("public_message"))

    @property
    def wants_lift(self) -> bool:
        return self.closure is not None and bool(self.cleaned_data.get("lift"))

    def clean(self):
        cleaned = super().clean()
        if self.closure is None and not (
            cleaned.get("declare") or cleaned.get("ends_on") or cleaned.get("public_message")
        ):
            return cleaned
        if cleaned.get("lift"):
            return cleaned
        start = cleaned.get("starts_on")
        if start is None and "starts_on" not in self.errors:
            self.add_error("starts_on", _("Indiquez le premier jour de fermeture."))
        end = cleaned.get("ends_on")
        if start and end and end <= start:
            self.add_error("ends_on", _("La réouverture doit être après le premier jour de fermeture."))
        return cleaned

    def closure_fields(self) -> dict:
        data = self.cleaned_data
        end = data.get("ends_on")
        return {
            "starts_on": data["starts_on"],
            "ends_on": end - datetime.timedelta(days=1) if end else None,
            "reason": data.get("reason") or enums.ClosureReason.OTHER,
            "public_message": data.get("public_message", ""),
        }


class ChannelTaskForm(forms.ModelForm):
    """One channel; the value box's label, help, placeholder and errors follow its kind."""

    stays_open = forms.BooleanField(label=_("Reste joignable pendant la fermeture"), required=False)

    class Meta:
        model = Channel
        fields = ["kind", "value", "label", "availability", "position"]
        widgets = {"kind": forms.HiddenInput}

    def __init__(self, *args, open_ids=frozenset(), new_rows_stay_open=True, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.kind
        self.fields["position"].label = _("Ordre")
        self.fields["position"].help_text = _("1 en premier.")
        self.fields["position"].widget.attrs.update(min=0, inputmode="numeric")
        self.fields["label"].required = False
        self.fields["label"].help_text = _("Ex. « Accueil », « Groupe entraide »")
        self.fields["availability"].help_text = _("Ex. « du lundi au vendredi, 9 h – 12 h »")
        if self.instance.pk:
            self.fields["stays_open"].initial = self.instance.pk in open_ids
            if self.instance.kind in PHONE_KINDS or (
                self.instance.kind == enums.ChannelKind.WHATSAPP and not self.instance.value.startswith("https://")
            ):
                # Numbers are edited as people write them; stored E.164 (Channel.clean).
                self.initial["value"] = display_phone(self.instance.value)
        else:
            self.fields["stays_open"].initial = new_rows_stay_open
        if kind:
            spec = get_kind(kind)
            value = self.fields["value"]
            value.label = spec.value_label
            value.help_text = spec.help_text
            value.widget = forms.TextInput(
                attrs={
                    "placeholder": PLACEHOLDERS.get(kind, ""),
                    "type": INPUT_TYPES.get(kind, "text"),
                    "autocomplete": "off",
                    "maxlength": 500,
                }
            )
            if kind in PHONE_KINDS:
                value.widget.attrs["inputmode"] = "tel"

    @property
    def kind(self) -> str:
        if self.is_bound:
            raw = self.data.get(self.add_prefix("kind"), "")
            return raw if raw in enums.ChannelKind.values else ""
        return self.initial.get("kind") or self.instance.kind or ""

    @property
    def kind_label(self):
        return get_kind(self.kind).label if self.kind else ""

    def has_changed(self):
        # A row added by a button and left empty is not a channel to save.
        if not self.instance.pk and not (self.data.get(self.add_prefix("value")) or "").strip():
            return False
        return super().has_changed()

    def clean_value(self):
        raw = self.cleaned_data.get("value", "")
        if not self.kind:
            return raw
        spec = get_kind(self.kind)
        try:
            return spec.normalise(raw)
        except ValidationError as error:
            # Say what is expected for this kind, not only what is wrong.
            raise ValidationError(
                [*error.messages, _("Attendu : %(help)s.") % {"help": spec.help_text}], code="invalid"
            ) from None


ChannelFormSet = inlineformset_factory(
    Venue, Channel, form=ChannelTaskForm, extra=0, can_delete=True, fields=ChannelTaskForm.Meta.fields
)


class HoursTaskForm(forms.Form):
    """Morning and afternoon of each day, public holidays, closed dates; or the raw OSM text."""

    closed_on_holidays = forms.BooleanField(label=_("Fermé les jours fériés"), required=False)
    opening_hours = forms.CharField(
        label=_("Horaires au format OpenStreetMap"),
        required=False,
        max_length=500,
        help_text=_("Pour les cas que la grille ne sait pas dire. Ex. « Mo-Fr 09:00-12:00,14:00-17:00; PH off »"),
    )

    def __init__(self, *args, expression: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.expression = expression
        self.week = hours_editor.from_osm(expression)
        self.grid_usable = self.week is not None
        self.fields["opening_hours"].initial = expression
        self.day_rows = []
        for index, day in enumerate(hours.DAYS):
            name = DAY_NAMES[index]
            spans = self.week.days[index] if self.week else []
            row = []
            for part, part_label in (("am", _("matin")), ("pm", _("après-midi"))):
                slot = {"am": 0, "pm": 1}[part]
                span = spans[slot] if len(spans) > slot else None
                for edge, edge_label in (("start", _("de")), ("end", _("à"))):
                    key = f"{day}_{part}_{edge}"
                    self.fields[key] = forms.TimeField(
                        label=f"{name}, {part_label}, {edge_label}",
                        required=False,
                        widget=forms.TimeInput(attrs=TIME_WIDGET, format="%H:%M"),
                    )
                    if span:
                        self.fields[key].initial = span[0 if edge == "start" else 1]
                    row.append((key, SHORT_LABELS[(part, edge)]))
            self.day_rows.append((name, [(self[k], short) for k, short in row]))
        if self.week:
            self.fields["closed_on_holidays"].initial = self.week.closed_on_holidays
        dates = self.week.closed_dates if self.week else []
        for i in range(EXCEPTION_ROWS):
            key = f"closed_date_{i}"
            self.fields[key] = forms.DateField(
                label=_("Fermé exceptionnellement le (%(n)s)") % {"n": i + 1}, required=False, widget=_date_input()
            )
            if i < len(dates):
                self.fields[key].initial = dates[i]

    @property
    def exception_fields(self):
        return [self[f"closed_date_{i}"] for i in range(EXCEPTION_ROWS)]

    def _grid_changed(self) -> bool:
        return any(name != "opening_hours" and name in self.changed_data for name in self.fields)

    def clean(self):
        cleaned = super().clean()
        raw = (cleaned.get("opening_hours") or "").strip()
        if "opening_hours" in self.changed_data or not self.grid_usable:
            expression = raw
        elif self._grid_changed():
            week = hours_editor.Week(closed_on_holidays=bool(cleaned.get("closed_on_holidays")))
            for index, day in enumerate(hours.DAYS):
                spans = []
                for part, part_label in (("am", _("matin")), ("pm", _("après-midi"))):
                    start, end = cleaned.get(f"{day}_{part}_start"), cleaned.get(f"{day}_{part}_end")
                    if start is None and end is None:
                        continue
                    if start is None or end is None or end <= start:
                        self.add_error(
                            f"{day}_{part}_end" if start else f"{day}_{part}_start",
                            _("%(day)s %(part)s : indiquez l'heure d'ouverture et une heure de fermeture plus tardive.")
                            % {"day": DAY_NAMES[index], "part": part_label},
                        )
                        continue
                    spans.append((start, end))
                if len(spans) == 2 and spans[1][0] < spans[0][1]:
                    self.add_error(
                        f"{day}_pm_start",
                        _("%(day)s : l'après-midi commence avant la fin du matin.") % {"day": DAY_NAMES[index]},
                    )
                week.days[index] = spans
            week.closed_dates = [
                cleaned[f"closed_date_{i}"] for i in range(EXCEPTION_ROWS) if cleaned.get(f"closed_date_{i}")
            ]
            expression = hours_editor.to_osm(week)
        else:
            expression = self.expression
        if expression and hours.parse(expression) is None:
            self.add_error(
                "opening_hours",
                _(
                    "Horaires illisibles : utilisez le format OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 »."
                ),
            )
        cleaned["expression"] = expression
        return cleaned


SHORT_LABELS = {
    ("am", "start"): _("Matin, de"),
    ("am", "end"): _("à"),
    ("pm", "start"): _("Après-midi, de"),
    ("pm", "end"): _("à"),
}
DAY_NAMES = [_("Lundi"), _("Mardi"), _("Mercredi"), _("Jeudi"), _("Vendredi"), _("Samedi"), _("Dimanche")]


class VocabularyTaskForm(forms.ModelForm):
    """The national standard's vocabularies, folded at the bottom of the page, plus the version
    the page was loaded at (no lost update)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Venue
        fields = VOCABULARY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version
        for name in VOCABULARY_FIELDS:
            db_field = Venue._meta.get_field(name)
            self.fields[name] = forms.TypedMultipleChoiceField(
                choices=db_field.base_field.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
                label=db_field.verbose_name,
            )
