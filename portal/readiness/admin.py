"""Rollout waves and their readiness criteria in the Wagtail admin (the rollout lead). Waves
are saved through waves.wave_save (audited; a department in one wave at most; default criteria
for a new wave; assignments recomputed after commit), criteria through waves.criterion_save.
Registered in wagtail_hooks.py. Waves are never deleted: decisions and snapshots point at
them."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from portal.org.models import Department
from portal.records.services import client_ip

from .models import Criterion, Wave
from .waves import criterion_save, wave_save


class ServiceSaveMixin:
    """Save through a service; a ValidationError it raises is shown on the form."""

    service = None

    def save_instance(self):
        return type(self).service(
            actor=self.request.user, form=self.form, ip=client_ip(self.request)
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            form.add_error(None, exc)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class WaveForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.order_by("code")


class WaveCreateView(ServiceSaveMixin, generic.CreateView):
    service = wave_save


class WaveEditView(ServiceSaveMixin, generic.EditView):
    service = wave_save


class CriterionCreateView(ServiceSaveMixin, generic.CreateView):
    service = criterion_save


class CriterionEditView(ServiceSaveMixin, generic.EditView):
    service = criterion_save


class WaveViewSet(ModelViewSet):
    model = Wave
    name = "readiness_wave"
    url_prefix = "readiness/waves"
    icon = "date"
    menu_label = _("Rollout waves")
    add_view_class = WaveCreateView
    edit_view_class = WaveEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    delete_view_enabled = False
    list_display = ["name", "name_zh", "go_live_date", "dual_track_until", "status"]
    list_filter = ["status"]
    search_fields = ["name", "name_zh"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("name_zh"),
                    FieldRowPanel(
                        [
                            FieldPanel("go_live_date"),
                            FieldPanel("dual_track_until"),
                            FieldPanel("status"),
                        ]
                    ),
                ],
                heading=_("Wave"),
            ),
            FieldPanel(
                "departments",
                widget=forms.CheckboxSelectMultiple,
                help_text=_(
                    "A department is in one wave at most. Sub-departments go live with their "
                    "department unless another wave has them."
                ),
            ),
        ],
        base_form_class=WaveForm,
    )


class CriterionViewSet(ModelViewSet):
    model = Criterion
    name = "readiness_criterion"
    url_prefix = "readiness/criteria"
    icon = "tasks"
    menu_label = _("Readiness criteria")
    add_view_class = CriterionCreateView
    edit_view_class = CriterionEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = ["wave", "kind", "job_role", "green", "amber", "active"]
    list_display = ["wave", "kind", "job_role", "green", "amber", "active"]
    list_filter = ["wave", "kind", "active"]

    def get_queryset(self, request):
        return Criterion.objects.select_related("wave", "job_role")


class ReadinessGroup(ModelViewSetGroup):
    menu_label = _("Go-live readiness")
    menu_icon = "date"
    menu_order = 270
    items = (WaveViewSet, CriterionViewSet)
