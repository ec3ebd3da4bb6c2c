from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import CertificationStatus, CertificationTrack
from portal.org.models import Department, JobRole

from .hr import LEVELS, level_label
from .models import HrExport

EMPTY = ("", "---------")


def _date_field(label):
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class HrSearchForm(forms.Form):
    """HR's filters, read from the query string (search) or the export form's hidden fields."""

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        help_text=_("Sub-departments are included."),
    )
    job_role = forms.ModelChoiceField(
        label=_("Job role"), queryset=JobRole.objects.all(), required=False
    )
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=CertificationTrack.objects.all(), required=False
    )
    title = forms.CharField(label=_("Title contains"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=())
    status = forms.ChoiceField(
        label=_("Certification status"),
        required=False,
        choices=[EMPTY, *CertificationStatus.Status.choices],
    )
    certified_from = _date_field(_("Certified from"))
    certified_to = _date_field(_("Certified until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [EMPTY] + [(code, level_label(code)) for code in LEVELS]

    def clean(self):
        data = super().clean()
        start, end = data.get("certified_from"), data.get("certified_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data

    def filters(self) -> dict:
        """The valid filters as JSON (ids and ISO dates), as an export stores them."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result = {
            key: getattr(data.get(key), "pk", None) for key in ("department", "job_role", "track")
        }
        result |= {key: data.get(key) or "" for key in ("title", "level", "status")}
        result |= {
            key: data[key].isoformat() if data.get(key) else ""
            for key in ("certified_from", "certified_to")
        }
        return {key: value for key, value in result.items() if value not in (None, "")}


class HrExportForm(forms.Form):
    format = forms.ChoiceField(choices=HrExport.Format.choices)
