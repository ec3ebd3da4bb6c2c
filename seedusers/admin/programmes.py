"""Seed-user programmes in the Wagtail admin (the rollout lead): scope, ratios, the advanced
curriculum and threshold, prerequisites, the training window, duties and points. Saved through
services.programme_save (audited)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from portal.records.services import client_ip

from ..models import Programme
from ..services import programme_save


class ProgrammeCreateView(generic.CreateView):
    def save_instance(self):
        return programme_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class ProgrammeEditView(generic.EditView):
    def save_instance(self):
        return programme_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class ProgrammeViewSet(ModelViewSet):
    model = Programme
    name = "seedusers_programme"
    url_prefix = "seedusers/programmes"
    icon = "group"
    menu_label = _("Seed-user programmes")
    menu_order = 270
    add_to_admin_menu = True
    add_view_class = ProgrammeCreateView
    edit_view_class = ProgrammeEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    # Programmes are closed (made inactive), never deleted: nominations and points point at them.
    delete_view_enabled = False
    list_display = ["name", "staff_per_seed_user", "proficiency_threshold", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_zh"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldPanel("name_zh"),
                    FieldPanel("active"),
                    FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Programme"),
            ),
            MultiFieldPanel(
                [FieldPanel("staff_per_seed_user"), InlinePanel("ratios", label=_("Ratio"))],
                heading=_("Coverage"),
                help_text=_(
                    "Required per department and shift: staff ÷ ratio, rounded up, and at least "
                    "one on every shift that has staff."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("advanced_courses", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("proficiency_threshold"),
                    FieldRowPanel([FieldPanel("training_starts"), FieldPanel("training_ends")]),
                    FieldPanel("support_until"),
                ],
                heading=_("Advanced track"),
                help_text=_(
                    "A seed user is certified when every seed-user course is completed and "
                    "they are certified on their role's track with at least the threshold."
                ),
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("min_months_service"), FieldPanel("min_proficiency")])],
                heading=_("Prerequisites"),
                help_text=_("Approving a nominee who does not meet them needs an override reason."),
            ),
            MultiFieldPanel(
                [FieldPanel("duties"), FieldPanel("duties_zh")], heading=_("Duties expected")
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("points_coaching"),
                            FieldPanel("points_floor_shift"),
                            FieldPanel("points_issue"),
                        ]
                    )
                ],
                heading=_("Recognition"),
                help_text=_("Points count when the department's manager confirms the activity."),
            ),
        ]
    )


@hooks.register("register_admin_viewset")
def register_programmes():
    return ProgrammeViewSet()
