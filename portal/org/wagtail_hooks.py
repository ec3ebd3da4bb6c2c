"""The organisation in the Wagtail admin (trainers, HR, administrators). Saves go through
org_record_save so every edit lands in the audit trail."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from portal.records.services import client_ip

from .models import Department, JobRole, Shift, Site, StaffMember
from .services import org_record_save


class AuditedCreateView(generic.CreateView):
    def save_instance(self):
        return org_record_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class AuditedEditView(generic.EditView):
    def save_instance(self):
        return org_record_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class OrgViewSet(ModelViewSet):
    add_view_class = AuditedCreateView
    edit_view_class = AuditedEditView
    copy_view_enabled = False
    inspect_view_enabled = True


class SiteViewSet(OrgViewSet):
    url_prefix = "org/sites"
    model = Site
    icon = "site"
    form_fields = ["code", "name", "name_zh", "address"]
    list_display = ["code", "name", "name_zh"]
    search_fields = ["code", "name", "name_zh"]


class DepartmentViewSet(OrgViewSet):
    url_prefix = "org/departments"
    model = Department
    icon = "group"
    form_fields = ["code", "name", "name_zh", "kind", "site", "parent", "active"]
    list_display = ["code", "name", "name_zh", "kind", "parent", "active"]
    list_filter = ["kind", "site", "active"]
    search_fields = ["code", "name", "name_zh"]


class JobRoleViewSet(OrgViewSet):
    url_prefix = "org/job-roles"
    model = JobRole
    icon = "user"
    form_fields = ["code", "name", "name_zh"]
    list_display = ["code", "name", "name_zh"]
    search_fields = ["code", "name", "name_zh"]


class ShiftViewSet(OrgViewSet):
    url_prefix = "org/shifts"
    model = Shift
    icon = "time"
    form_fields = ["code", "name", "name_zh", "starts", "ends"]
    list_display = ["code", "name", "name_zh", "starts", "ends"]
    search_fields = ["code", "name", "name_zh"]


class StaffMemberViewSet(OrgViewSet):
    url_prefix = "org/staff"
    model = StaffMember
    icon = "user"
    form_fields = [
        "employee_no",
        "full_name",
        "department",
        "job_role",
        "title",
        "shift",
        "hire_date",
        "active",
        "managed_departments",
    ]
    list_display = ["employee_no", "full_name", "department", "job_role", "shift", "active"]
    list_filter = ["department", "job_role", "shift", "active"]
    search_fields = ["employee_no", "full_name", "user__email"]
    list_per_page = 50

    def get_queryset(self, request):
        return StaffMember.objects.select_related("department", "job_role", "shift")


class OrganisationGroup(ModelViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "group"
    menu_order = 300
    items = (StaffMemberViewSet, DepartmentViewSet, JobRoleViewSet, ShiftViewSet, SiteViewSet)


@hooks.register("register_admin_viewset")
def register_organisation():
    return OrganisationGroup()
