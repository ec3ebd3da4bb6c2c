from django import forms
from django.utils.translation import gettext_lazy as _

from portal.org.models import Department, JobRole, Shift

from ..models import CertificationStatus, CertificationTrack
from ..proficiency import DEFAULT_LEVELS


class StatusFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    job_role = forms.ModelChoiceField(
        label=_("Job role"), queryset=JobRole.objects.all(), required=False
    )
    shift = forms.ModelChoiceField(label=_("Shift"), queryset=Shift.objects.all(), required=False)
    track = forms.ModelChoiceField(
        label=_("Track"), queryset=CertificationTrack.objects.filter(active=True), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "---------"), *CertificationStatus.Status.choices],
        required=False,
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["level"].choices = [("", "---------")] + [
            (level.code, _(level.label_en)) for level in DEFAULT_LEVELS
        ]
