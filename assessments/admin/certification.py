"""Certification tracks in the Wagtail admin: what a role must pass, how long a certificate
lasts, and the proficiency formula. Saved through services.tracks.track_save (audited; the
status of the role's staff is recomputed after commit)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import CoursePage
from portal.records.services import client_ip

from ..models import CertificationTrack, Exam
from ..proficiency import FormulaError
from ..services.certification import track_formula
from ..services.tracks import track_save


class TrackForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_courses"].queryset = CoursePage.objects.order_by("title")
        self.fields["knowledge_exam"].queryset = Exam.objects.filter(kind=Exam.Kind.KNOWLEDGE)
        self.fields["practical_exam"].queryset = Exam.objects.filter(kind=Exam.Kind.PRACTICAL)

    def clean(self):
        cleaned = super().clean()
        if not (
            cleaned.get("required_courses")
            or cleaned.get("knowledge_exam")
            or cleaned.get("practical_exam")
        ):
            raise forms.ValidationError(
                gettext("A track needs at least one requirement: a course or an exam.")
            )
        knowledge, practical = cleaned.get("knowledge_weight"), cleaned.get("practical_weight")
        if knowledge is not None and practical is not None and knowledge + practical != 100:
            self.add_error(
                "practical_weight",
                gettext("The knowledge and practical weights must add up to 100 (now %(n)s).")
                % {"n": knowledge + practical},
            )
        levels = [cleaned.get(k) for k in ("competent_from", "proficient_from", "expert_from")]
        if None not in levels and not (0 < levels[0] < levels[1] < levels[2] <= 100):
            self.add_error(
                "expert_from",
                gettext("Level thresholds must rise: 0 < Competent < Proficient < Expert ≤ 100."),
            )
        floor = cleaned.get("efficiency_floor")
        if floor is not None and not 0 <= floor <= 1:
            self.add_error("efficiency_floor", gettext("The floor is between 0 and 1."))
        if not self.errors:
            try:
                for name, value in cleaned.items():
                    if name not in ("departments", "required_courses"):
                        setattr(self.instance, name, value)
                track_formula(self.instance)
            except FormulaError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned


class TrackCreateView(generic.CreateView):
    def save_instance(self):
        return track_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class TrackEditView(generic.EditView):
    def save_instance(self):
        return track_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class CertificationTrackViewSet(ModelViewSet):
    model = CertificationTrack
    name = "assessments_certificationtrack"
    url_prefix = "assessments/certification-tracks"
    icon = "success"
    menu_label = _("Certification tracks")
    menu_order = 265
    add_to_admin_menu = True
    add_view_class = TrackCreateView
    edit_view_class = TrackEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    # Tracks are retired (made inactive), never deleted: certificates point at them.
    delete_view_enabled = False
    list_display = ["name", "job_role", "knowledge_exam", "practical_exam", "active"]
    list_filter = ["active", "job_role"]
    search_fields = ["name", "name_zh", "code"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("code"), FieldPanel("active")]),
                    FieldPanel("name"),
                    FieldPanel("name_zh"),
                    FieldRowPanel([FieldPanel("job_role"), FieldPanel("his_module")]),
                    FieldPanel("departments", widget=forms.CheckboxSelectMultiple),
                ],
                heading=_("Track"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("required_courses", widget=forms.CheckboxSelectMultiple),
                    FieldRowPanel([FieldPanel("knowledge_exam"), FieldPanel("practical_exam")]),
                ],
                heading=_("Requirements"),
                help_text=_(
                    "Certified when every required course is completed and each exam is "
                    "passed (a practical exam with a rubric passes only when both parts pass)."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("validity_months"),
                            FieldPanel("recertify_days_before"),
                            FieldPanel("grace_days"),
                        ]
                    )
                ],
                heading=_("Validity"),
                help_text=_(
                    "Recertification opens the given days before expiry: from then on only exam "
                    "passes on or after that day renew the certificate. During the grace period "
                    "the status is still 'expiring'; after it, 'expired'."
                ),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("knowledge_weight"), FieldPanel("practical_weight")]),
                    FieldRowPanel([FieldPanel("half_life_days"), FieldPanel("efficiency_floor")]),
                    FieldRowPanel(
                        [
                            FieldPanel("competent_from"),
                            FieldPanel("proficient_from"),
                            FieldPanel("expert_from"),
                        ]
                    ),
                ],
                heading=_("Proficiency score"),
                help_text=_(
                    "Score = knowledge weight × knowledge score + practical weight × practical "
                    "score. A practical attempt scores accuracy × efficiency factor; a critical "
                    "failure scores 0; newer attempts count more (half-life)."
                ),
            ),
        ],
        base_form_class=TrackForm,
    )


@hooks.register("register_admin_viewset")
def register_tracks():
    return CertificationTrackViewSet()
