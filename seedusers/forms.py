"""Forms of the seed-user pages. They only shape input; the rules are in services.py."""

import secrets

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.org.models import Shift

from .models import Activity, Programme


class ProgrammeChoiceForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = None


class NominationForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    staff = forms.IntegerField(label=_("Staff member"), widget=forms.Select)
    reason = forms.CharField(
        label=_("Why this person"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        max_length=1000,
        help_text=_("What makes them a good seed user: skill with the system, patience, respect."),
    )

    def __init__(self, *args, programmes, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = None
        self.fields["staff"].widget.choices = [("", "—")] + staff_choices


class VolunteerForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    reason = forms.CharField(
        label=_("Why you would like to be a seed user"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        max_length=1000,
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["programme"].empty_label = None


class ActivityForm(forms.ModelForm):
    """One form for the three kinds; which fields count depends on the kind (clean)."""

    token = forms.CharField(widget=forms.HiddenInput)
    K = Activity.Kind
    # The fields each kind needs (clean checks them); description is a note on any kind.
    NEEDED = {
        K.COACHING: ["minutes", "colleagues", "topic"],
        K.FLOOR: ["shift", "minutes"],
        K.ISSUE: ["category", "severity", "description"],
    }
    SHOWN = {
        "shift": [K.FLOOR],
        "minutes": [K.COACHING, K.FLOOR],
        "colleagues": [K.COACHING],
        "topic": [K.COACHING],
        "category": [K.ISSUE],
        "severity": [K.ISSUE],
    }

    class Meta:
        model = Activity
        fields = [
            "kind",
            "day",
            "shift",
            "minutes",
            "colleagues",
            "topic",
            "category",
            "severity",
            "description",
        ]
        widgets = {
            "day": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
            "minutes": forms.NumberInput(attrs={"min": 1, "max": 720}),
            "colleagues": forms.NumberInput(attrs={"min": 1, "max": 200}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shift"].queryset = Shift.objects.order_by("code")
        self.fields["day"].initial = timezone.localdate()
        self.fields["token"].initial = secrets.token_urlsafe(24)
        self.fields["kind"].initial = Activity.Kind.COACHING
        for name, kinds in self.SHOWN.items():
            self.fields[name].widget.attrs["data-kinds"] = " ".join(kinds)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day cannot be in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        need = self.NEEDED.get(kind, [])
        for name in need:
            if not cleaned.get(name):
                self.add_error(name, _("Needed for this kind of activity."))
        # Fields of the other kinds are dropped rather than stored half-filled.
        for name in self.SHOWN:
            if name not in need and name in cleaned:
                cleaned[name] = None if name in ("shift", "minutes", "colleagues") else ""
        return cleaned

    def activity_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return data
