"""SCORM packages in the Wagtail admin (registered by courses/wagtail_hooks.py).

Trainers upload a package (zip); the service validates it completely and either stores and
extracts it or refuses it with a message shown on the upload field, changing nothing. A lesson
plays a package through its "SCORM package" field. Editing changes only the title; deleting is
refused while a lesson uses the package.

Trainers (and superusers) may manage packages by role, without model permissions; the policy
below also honours courses.*_scormpackage permissions given to other groups."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.accounts.roles import TRAINER

from ..models import ScormPackage
from ..services.scorm import (
    ScormPackageError,
    scorm_may_manage,
    scorm_package_create,
    scorm_package_delete,
    scorm_package_update,
)

ACTIONS = ("add", "change", "delete", "view")


class ScormPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        if action in ACTIONS and scorm_may_manage(user):
            return True
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        by_role = Q(is_superuser=True) | Q(groups__name=TRAINER)
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(by_role | Q(pk__in=super().users_with_any_permission(actions)))
            .distinct()
        )


register_permission_policy(ScormPackage, ScormPermissionPolicy(ScormPackage))


class ScormUploadForm(WagtailAdminModelForm):
    class Meta:
        model = ScormPackage
        fields = ["title", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the title inside the package.")
        self.fields["file"].help_text = _(
            "A SCORM 1.2 or SCORM 2004 package as exported by the authoring tool: a .zip with "
            "imsmanifest.xml at its root, at most 200 MB. AICC packages are not supported."
        )
        self.fields["file"].widget.attrs["accept"] = ".zip,application/zip"


class ScormEditForm(WagtailAdminModelForm):
    class Meta:
        model = ScormPackage
        fields = ["title"]


class ScormCreateView(generic.CreateView):
    def is_valid(self, form):
        if not super().is_valid(form):
            return False
        try:
            self.created = scorm_package_create(
                actor=self.request.user,
                title=form.cleaned_data.get("title") or "",
                uploaded_file=form.cleaned_data["file"],
            )
        except ScormPackageError as exc:
            form.add_error("file", exc.message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return False
        return True

    def save_instance(self):
        return self.created


class ScormEditView(generic.EditView):
    def save_instance(self):
        return scorm_package_update(
            actor=self.request.user,
            package=ScormPackage.objects.get(pk=self.object.pk),
            title=self.form.cleaned_data["title"],
        )


class ScormDeleteView(generic.DeleteView):
    def form_valid(self, form):
        try:
            scorm_package_delete(actor=self.request.user, package=self.object)
        except ScormPackageError as exc:
            messages.error(self.request, exc.message)
            return redirect(self.index_url_name)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())


class ScormPackageViewSet(ModelViewSet):
    model = ScormPackage
    url_prefix = "courses/scorm"
    icon = "doc-full-inverse"
    menu_label = _("SCORM packages")
    menu_order = 250
    add_to_admin_menu = True
    add_view_class = ScormCreateView
    edit_view_class = ScormEditView
    delete_view_class = ScormDeleteView
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_fields = ["title", "version", "launch", "folder", "uploaded_by", "created_at"]
    search_fields = ["title"]
    list_filter = ["version"]
    list_per_page = 50

    list_display = [
        TitleColumn("title", label=_("Title"), url_name="courses_scormpackage:edit"),
        Column("version", label=_("Version"), accessor="get_version_display"),
        Column("launch", label=_("Launch file")),
        Column("lesson_count", label=_("Lessons")),
        Column("uploaded_by", label=_("Uploaded by")),
        Column("created_at", label=_("Uploaded")),
    ]

    def get_queryset(self, request):
        return (
            ScormPackage.objects.select_related("uploaded_by")
            .annotate(lesson_count=Count("lessons"))
            .order_by("-created_at")
        )

    def get_form_class(self, for_update=False):
        return ScormEditForm if for_update else ScormUploadForm


@hooks.register("register_admin_viewset")
def register_scorm_packages():
    return ScormPackageViewSet("courses_scormpackage")
