"""Practical scenarios in the Wagtail admin (registered by assessments/wagtail_hooks.py).

A trainer edits a scenario as its file (YAML, the format the README documents): tasks, their
instructions and checks, the initial state. The engine validates it on save with the messages
`manage.py simulation validate` prints (where in the file, what is wrong), and a changed
scenario gets a new version (attempts keep theirs). Packs are imported (upload → preview →
confirm, all or nothing) and exported as zips of scenario files.
"""

import secrets
from datetime import date

from django import forms
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import HeaderButton

from portal.records.services import client_ip
from portal.uploads import upload_check

from .. import simulation
from ..models import Scenario
from ..services.scenarios import (
    PackRefused,
    latest_version,
    pack_export,
    pack_import,
    pack_parse,
    scenario_definition_check,
    scenario_save,
    scenario_yaml,
    starter_files,
)

MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD_TTL = 2 * 60 * 60
_CACHE_KEY = "assessments:scenario-import:{}"


def _template() -> str:
    """A new scenario starts from the first starter scenario, as a worked example."""
    files = starter_files()
    return files[0].read_text(encoding="utf-8") if files else ""


class ScenarioForm(WagtailAdminModelForm):
    definition_text = forms.CharField(
        label=_("Scenario file (YAML or JSON)"),
        widget=forms.Textarea(attrs={"rows": 40, "spellcheck": "false", "class": "monospace"}),
        help_text=_(
            "The brief, the initial state of the HIS and the tasks with their checks, in the "
            "format of the README (“Practical scenarios”). Saving checks the file; a changed "
            "scenario gets a new version and attempts keep the version they were taken on."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = latest_version(self.instance) if self.instance.pk else None
        self.fields["definition_text"].initial = (
            scenario_yaml(version.definition) if version else _template()
        )

    def clean_definition_text(self):
        text = self.cleaned_data["definition_text"]
        try:
            definition = scenario_definition_check(text)
        except simulation.ScenarioInvalid as invalid:
            raise forms.ValidationError(
                [f"{where}: {message}" if where else message for where, message in invalid.errors]
            ) from None
        if self.instance.pk and definition["slug"] != self.instance.slug:
            raise forms.ValidationError(
                gettext(
                    "slug: this scenario is “%(slug)s”; a different slug would be another "
                    "scenario (import it instead)."
                )
                % {"slug": self.instance.slug}
            )
        if not self.instance.pk and Scenario.objects.filter(slug=definition["slug"]).exists():
            raise forms.ValidationError(
                gettext("slug: a scenario “%(slug)s” exists already; edit that one.")
                % {"slug": definition["slug"]}
            )
        self.definition = definition
        return text


class _ScenarioSave:
    def save_instance(self):
        request = self.request
        scenario, written = scenario_save(
            definition=self.form.definition, actor=request.user, ip=client_ip(request)
        )
        if scenario.archived != self.form.cleaned_data.get("archived", False):
            scenario.archived = self.form.cleaned_data["archived"]
            scenario.save(update_fields=["archived", "updated_at"])
        if not written:
            messages.info(request, gettext("The scenario file did not change: no new version."))
        return scenario


class ScenarioCreateView(_ScenarioSave, generic.CreateView):
    pass


class ScenarioEditView(_ScenarioSave, generic.EditView):
    pass


class ScenarioIndexView(generic.IndexView):
    default_ordering = "title"

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(version_count=Count("versions", distinct=True))
            .annotate(exam_count=Count("exams", distinct=True))
        )

    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.request.user.has_perm("assessments.add_scenario"):
            buttons.append(
                HeaderButton(
                    gettext("Import a pack"),
                    url=reverse("scenario_transfer:import"),
                    icon_name="upload",
                )
            )
        buttons.append(
            HeaderButton(
                gettext("Export all"), url=reverse("scenario_transfer:export"), icon_name="download"
            )
        )
        return buttons


class ScenarioViewSet(ModelViewSet):
    model = Scenario
    name = "assessments_scenario"
    url_prefix = "assessments/scenarios"
    icon = "desktop"
    menu_label = _("Practical scenarios")
    menu_order = 2
    index_view_class = ScenarioIndexView
    add_view_class = ScenarioCreateView
    edit_view_class = ScenarioEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = ["role", "archived"]
    search_fields = ["title", "title_zh", "slug"]
    edit_handler = ObjectList(
        [FieldPanel("definition_text"), FieldPanel("archived")], base_form_class=ScenarioForm
    )

    @property
    def list_display(self):
        return [
            "title",
            "title_zh",
            "role",
            Column("versions", label=_("Versions"), accessor="version_count"),
            Column("exams", label=_("Exams"), accessor="exam_count"),
            "archived",
        ]


# ---------------------------------------------------------------------------------------------
# Packs: import and export


class PackImportForm(forms.Form):
    file = forms.FileField(
        label=_("Scenario pack"),
        help_text=_("A zip of scenario files (.yaml, .json), or one scenario file, at most 10 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload_check(
            upload,
            extensions=("zip", "yaml", "yml", "json"),
            limit=MAX_UPLOAD,
            what=gettext("a scenario pack"),
        )
        return upload


class PackView(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    model = Scenario
    header_icon = "upload"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("assessments_scenario:index"), "label": gettext("Practical scenarios")},
            {"url": "", "label": self.get_page_title()},
        ]


class PackImportView(PackView, FormView):
    permission_required = "add"
    template_name = "assessments/admin/scenario_import.html"
    page_title = _("Import scenarios")
    form_class = PackImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        token = secrets.token_urlsafe(18)
        cache.set(
            _CACHE_KEY.format(token),
            {"user": self.request.user.pk, "data": upload.read(), "name": upload.name},
            UPLOAD_TTL,
        )
        return redirect("scenario_transfer:preview", token=token)


class PackPreviewView(PackView, TemplateView):
    permission_required = "add"
    template_name = "assessments/admin/scenario_import_preview.html"
    page_title = _("Import preview")

    def dispatch(self, request, *args, **kwargs):
        entry = cache.get(_CACHE_KEY.format(kwargs["token"]))
        self.entry = entry if entry and entry["user"] == request.user.pk else None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.entry is None:
            return self._expired()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            preview, errors = pack_parse(filename=self.entry["name"], data=self.entry["data"]), []
        except PackRefused as refused:
            preview, errors = None, refused.errors
        context.update(entry=self.entry, preview=preview, errors=errors)
        return context

    def post(self, request, *args, **kwargs):
        if self.entry is None:
            return self._expired()
        try:
            preview = pack_import(
                filename=self.entry["name"],
                data=self.entry["data"],
                actor=request.user,
                ip=client_ip(request),
            )
        except PackRefused:
            messages.error(request, gettext("The pack has errors: nothing was imported."))
            return redirect(request.path)
        cache.delete(_CACHE_KEY.format(kwargs["token"]))
        messages.success(
            request,
            ngettext(
                "%(count)s scenario imported (%(new)s new, %(changed)s with a new version).",
                "%(count)s scenarios imported (%(new)s new, %(changed)s with a new version).",
                len(preview.entries),
            )
            % {
                "count": len(preview.entries),
                "new": preview.count("new"),
                "changed": preview.count("changed"),
            },
        )
        return redirect("assessments_scenario:index")

    def _expired(self):
        messages.warning(self.request, gettext("This preview has expired. Upload the file again."))
        return redirect("scenario_transfer:import")


class PackExportView(PackView, TemplateView):
    """A zip of the newest version of the scenarios (?ids=1,2 or all that are not archived)."""

    permission_required = "view"

    def get(self, request, *args, **kwargs):
        scenarios = Scenario.objects.order_by("slug")
        ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.strip().isdigit()]
        scenarios = scenarios.filter(pk__in=ids) if ids else scenarios.filter(archived=False)
        response = HttpResponse(pack_export(scenarios), content_type="application/zip")
        name = f"readyline-scenarios-{date.today():%Y%m%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ScenarioTransferViewSet(ViewSet):
    name = "scenario_transfer"
    url_prefix = "assessments/scenario-packs"
    icon = "upload"
    menu_label = _("Import scenarios")

    @property
    def menu_item_class(self):
        class ImportMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm("assessments.add_scenario")

        return ImportMenuItem

    def get_urlpatterns(self):
        return [
            path("import/", PackImportView.as_view(), name="import"),
            path("import/<str:token>/", PackPreviewView.as_view(), name="preview"),
            path("export/", PackExportView.as_view(), name="export"),
        ]
