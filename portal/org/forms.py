from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from portal.uploads import upload_check

from .models import Department, JobRole, Shift
from .roster import EXTENSIONS, XLSX_MAX_MEMBERS


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX)"),
        help_text=_(
            "Columns: employee_no, full_name, email, department_code, role_code, title, "
            "shift, hire_date, active. At most 50,000 rows and 10 MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is 10 MB. Split it into smaller files.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            )
        # The content must be what the name says: a program or a web page renamed to .csv or
        # .xlsx is refused here, before anything is stored.
        upload_check(
            upload,
            extensions=EXTENSIONS,
            limit=settings.ROSTER_MAX_BYTES,
            what=_("a roster"),
            max_members=XLSX_MAX_MEMBERS,
            max_uncompressed=settings.ROSTER_MAX_UNCOMPRESSED_BYTES,
        )
        return upload


class RosterConfirmForm(forms.Form):
    deactivate_missing = forms.BooleanField(
        label=_("Deactivate active staff who are missing from this file"),
        required=False,
        help_text=_("Nobody is ever deleted; deactivated staff cannot sign in."),
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    job_role = forms.ModelChoiceField(
        label=_("Job role"), queryset=JobRole.objects.all(), required=False
    )
    shift = forms.ModelChoiceField(label=_("Shift"), queryset=Shift.objects.all(), required=False)
    inactive = forms.BooleanField(label=_("Show inactive staff"), required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
