"""Practical exams in the Wagtail admin: the exam's rules, its scenario, how it is assessed
(simulation, examiner's rubric or both), the rubric's checklist and which examiner scores which
candidate. Grouped in the menu with the scenarios and their packs.

As for knowledge exams (admin/exams.py), a trainer reaches only the exams they train and saves
go through services.trainer.exam_save (audited).
"""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from portal.org.models import StaffMember

from ..models import Exam, PracticalExam, Scenario
from ..selectors.trainer import exams_trained_ids
from .exams import (
    ExamCreateView,
    ExamDeleteView,
    ExamEditView,
    _attempts_url,
    _OwnExams,
    exam_text_panel,
    publishing_panel,
    trainers_choosable,
)
from .scenarios import ScenarioTransferViewSet, ScenarioViewSet


class PracticalExamForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (
            list(self.instance.trainers.values_list("pk", flat=True)) if self.instance.pk else []
        )
        self.fields["trainers"].queryset = trainers_choosable(current)
        self.fields["scenario"].queryset = Scenario.objects.filter(archived=False) | (
            Scenario.objects.filter(pk=self.instance.scenario_id)
        )
        self.fields["pass_mark_percent"].validators += [
            MinValueValidator(0),
            MaxValueValidator(100),
        ]
        self.fields["time_limit_minutes"].validators.append(MinValueValidator(1))
        assignments = self.formsets["examiner_assignments"]
        for form in assignments.forms + [assignments.empty_form]:
            form.fields["examiner"].queryset = trainers_choosable()
            form.fields["staff"].queryset = StaffMember.objects.filter(active=True).order_by(
                "full_name"
            )

    def clean(self):
        cleaned = super().clean()
        assessed_by = cleaned.get("assessed_by")
        if assessed_by != Exam.AssessedBy.RUBRIC and not cleaned.get("scenario"):
            self.add_error(
                "scenario", gettext("Choose the scenario the examinee works through in the HIS.")
            )
        rubric = self.formsets["rubric_items"]
        if assessed_by != Exam.AssessedBy.SIMULATION and rubric.is_valid():
            kept = [
                form
                for form in rubric.forms
                if (form.has_changed() or form.instance.pk) and not rubric._should_delete_form(form)
            ]
            if cleaned.get("published") and not kept:
                self.add_error(
                    "assessed_by",
                    gettext(
                        "Add the rubric's checklist items before publishing: the examiner "
                        "scores them."
                    ),
                )
        self._examiners_check()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", gettext("The exam must close after it opens."))
        return cleaned

    def _examiners_check(self):
        """An examiner never scores their own attempt."""
        assignments = self.formsets["examiner_assignments"]
        if not assignments.is_valid():
            return
        for form in assignments.forms:
            if assignments._should_delete_form(form):
                continue
            examiner, staff = form.cleaned_data.get("examiner"), form.cleaned_data.get("staff")
            if examiner and staff and staff.user_id == examiner.pk:
                form.add_error("staff", gettext("An examiner cannot examine themselves."))

    def save(self, commit=True):
        self.instance.kind = Exam.Kind.PRACTICAL
        return super().save(commit=commit)


class _OwnPractical(_OwnExams):
    kind = Exam.Kind.PRACTICAL


class PracticalCreateView(ExamCreateView):
    pass


class PracticalEditView(_OwnPractical, ExamEditView):
    pass


class PracticalDeleteView(_OwnPractical, ExamDeleteView):
    pass


class PracticalIndexView(generic.IndexView):
    default_ordering = "title"

    def get_base_queryset(self):
        return PracticalExam.objects.filter(
            pk__in=exams_trained_ids(user=self.request.user), kind=Exam.Kind.PRACTICAL
        ).select_related("scenario")


class PracticalExamViewSet(ModelViewSet):
    model = PracticalExam
    name = "assessments_practicalexam"
    url_prefix = "assessments/practical-exams"
    icon = "tasks"
    menu_label = _("Practical exams")
    menu_order = 1
    index_view_class = PracticalIndexView
    add_view_class = PracticalCreateView
    edit_view_class = PracticalEditView
    delete_view_class = PracticalDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = ["published", "assessed_by"]
    search_fields = ["title", "title_zh"]
    list_per_page = 50
    edit_handler = ObjectList(
        [
            exam_text_panel(),
            MultiFieldPanel(
                [FieldPanel("assessed_by", widget=forms.RadioSelect), FieldPanel("scenario")],
                heading=_("Assessment"),
                help_text=_(
                    "Simulation: graded from what the examinee did in the HIS. Rubric: an "
                    "examiner scores the checklist. Both: the grade is the mean of the two "
                    "and each must pass on its own."
                ),
            ),
            InlinePanel(
                "rubric_items",
                heading=_("Examiner's checklist"),
                label=_("Checklist item"),
                panels=[FieldPanel("text"), FieldPanel("text_zh"), FieldPanel("points")],
            ),
            InlinePanel(
                "examiner_assignments",
                heading=_("Examiners and their candidates"),
                label=_("Assignment"),
                panels=[FieldRowPanel([FieldPanel("examiner"), FieldPanel("staff")])],
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                    FieldRowPanel(
                        [
                            FieldPanel("time_limit_minutes"),
                            FieldPanel("max_attempts"),
                            FieldPanel("cooldown_minutes"),
                        ]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("pass_mark_percent"),
                            FieldPanel("grading_method"),
                            FieldPanel("review_policy"),
                        ]
                    ),
                ],
                heading=_("Timing, attempts and grading"),
            ),
            publishing_panel(),
        ],
        base_form_class=PracticalExamForm,
    )

    @property
    def list_display(self):
        return [
            "title",
            "scenario",
            "assessed_by",
            "published",
            TitleColumn(
                "attempts",
                label=_("Attempts"),
                accessor=lambda exam: gettext("Attempts"),
                get_url=_attempts_url,
            ),
        ]


class PracticalGroup(ViewSetGroup):
    menu_label = _("Practical exams")
    menu_icon = "desktop"
    menu_order = 262  # after the Question bank and Exams
    items = (PracticalExamViewSet, ScenarioViewSet, ScenarioTransferViewSet)


@hooks.register("register_admin_viewset")
def register_practical():
    return PracticalGroup()
