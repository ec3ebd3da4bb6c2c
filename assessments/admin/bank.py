"""The question bank in the Wagtail admin (registered by assessments/wagtail_hooks.py).

Trainers (group "trainer": assessments.add/change/view_question and _questioncategory) browse
categories as a tree, and list, filter, search and edit questions with their answers. Every save
goes through `question_version_ensure`: editing a question somebody has attempted adds a version
and earlier attempts keep theirs. When the edit corrected a wrong key, "Regrade attempts with
this key" gives the earlier versions the corrected key and regrades their attempts
(assessments.services.grading.question_key_correct). Import and export live in bank_transfer.py.
"""

from django import forms
from django.db import transaction
from django.db.models import Count, Max, ProtectedError, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from ..models import AttemptQuestion, Question, QuestionCategory, QuestionVersion
from ..services.bank import question_version_ensure
from ..services.imports import category_paths, path_names
from .bank_forms import SEARCH_FIELDS, QuestionCategoryForm, QuestionFilterSet, QuestionForm
from .bank_transfer import BankView, QuestionTransferViewSet, export_url

# Categories ----------------------------------------------------------------------------------


def _tree(paths: dict[int, str]) -> list[int]:
    """Category pks in tree order: parents before children, siblings by name."""
    rows = sorted(paths.items(), key=lambda row: [name.lower() for name in path_names(row[1])])
    return [pk for pk, _path in rows]


class CategoryIndexView(generic.IndexView):
    def get_base_queryset(self):
        # The page's rows with their question counts in one query; the tree order and the
        # paths come from one more (category_paths), whatever the number of rows.
        return QuestionCategory.objects.annotate(
            question_count=Count("questions"),
            active_count=Count("questions", filter=Q(questions__archived=False)),
        )

    def order_queryset(self, queryset):
        if self.ordering:
            return super().order_queryset(queryset)
        order = {pk: index for index, pk in enumerate(_tree(self.paths))}
        return sorted(queryset, key=lambda category: order.get(category.pk, 0))

    def filter_queryset(self, queryset):
        return queryset

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query.lower()
        return [c for c in queryset if query in c.name.lower() or query in c.name_zh.lower()]

    @cached_property
    def paths(self) -> dict[int, str]:
        return category_paths()

    def get_table(self, object_list):
        for category in object_list:
            category.tree_path = self.paths.get(category.pk, category.name)
            category.depth = len(path_names(category.tree_path)) - 1
        return super().get_table(object_list)

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        questions = reverse("assessments_question:index") + f"?category={instance.pk}"
        buttons.append(Button(gettext("Questions"), url=questions, icon_name="list-ul", priority=5))
        for fmt, label in (("gift", gettext("Export GIFT")), ("moodlexml", gettext("Export XML"))):
            url = export_url(fmt=fmt, category=instance.pk)
            buttons.append(Button(label, url=url, icon_name="download", priority=40))
        return buttons


class _RefusesProtected:
    """Deleting what attempts or exams still use is refused with a message (only superusers
    delete at all: trainers archive questions instead)."""

    refused_message = ""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ProtectedError:
            messages.error(self.request, self.refused_message)
            return redirect(self.get_success_url())


class CategoryDeleteView(_RefusesProtected, generic.DeleteView):
    refused_message = _(
        "This category still holds questions or subcategories, or an exam draws from it: "
        "move them first."
    )


def _indented(category) -> str:
    return "\u2003" * category.depth + category.name


class QuestionCategoryViewSet(ModelViewSet):
    name = "assessments_questioncategory"
    model = QuestionCategory
    url_prefix = "assessments/categories"
    icon = "folder-open-inverse"
    menu_label = _("Question categories")
    index_view_class = CategoryIndexView
    delete_view_class = CategoryDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    search_fields = ["name", "name_zh"]
    list_per_page = 100
    list_display = [
        TitleColumn(
            "name",
            label=_("Category"),
            accessor=_indented,
            url_name="assessments_questioncategory:edit",
        ),
        Column("tree_path", label=_("Path")),
        Column("name_zh", label=_("Name (Chinese)")),
        Column("active_count", label=_("Questions")),
        Column("question_count", label=_("Including archived")),
    ]

    def get_form_class(self, for_update=False):
        return QuestionCategoryForm


# Questions -----------------------------------------------------------------------------------


def _latest_version(question) -> str:
    return str(question.latest_version or "—")


class QuestionIndexView(generic.IndexView):
    filterset_class = QuestionFilterSet
    default_ordering = "name"

    def get_base_queryset(self):
        return Question.objects.annotate(latest_version=Max("versions__number"))

    def get_table(self, object_list):
        paths = category_paths()
        for question in object_list:
            question.category_path = paths.get(question.category_id, "")
        return super().get_table(object_list)

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        params = self.request.GET.copy()
        for key in ("p", "ordering"):
            params.pop(key, None)
        for fmt, label in (
            ("gift", gettext("Export these questions as GIFT")),
            ("moodlexml", gettext("Export these questions as Moodle XML")),
        ):
            params["format"] = fmt
            url = reverse("question_transfer:export") + "?" + params.urlencode()
            buttons.append(Button(label, url=url, icon_name="download", priority=50))
        if self.request.user.has_perm("assessments.add_question"):
            buttons.append(
                Button(
                    gettext("Import questions"),
                    url=reverse("question_transfer:import"),
                    icon_name="upload",
                    priority=60,
                )
            )
        return buttons


class _SavesVersions:
    """After the question and its answers are saved: its version (see module docstring)."""

    new_version = None

    def save_instance(self):
        if self.form.instance.pk is None:
            self.form.instance.created_by = self.request.user
            before = None
        else:
            before = self.form.instance.versions.aggregate(n=Max("number"))["n"]
        question = super().save_instance()
        version = question_version_ensure(
            question=Question.objects.get(pk=question.pk), actor=self.request.user
        )
        if before is not None and version.number > before:
            self.new_version = version
        return question

    def save_action(self):
        response = super().save_action()
        if self.new_version is not None:
            messages.info(
                self.request,
                gettext("Version %(number)s saved; attempts on earlier versions keep theirs.")
                % {"number": self.new_version.number},
                buttons=[
                    messages.button(
                        reverse("assessments_question:regrade", args=[self.object.pk]),
                        gettext("The key was wrong: regrade them"),
                    )
                ],
            )
        return response


class QuestionCreateView(_SavesVersions, generic.CreateView):
    pass


class QuestionDeleteView(_RefusesProtected, generic.DeleteView):
    refused_message = _(
        "This question has been attempted or is part of an exam: archive it instead, so that "
        "exams no longer draw it."
    )

    def delete_action(self):
        # Versions nobody attempted go with the question; an attempted one protects it.
        QuestionVersion.objects.filter(question=self.object).delete()
        super().delete_action()


def version_rows(question) -> list[dict]:
    """The versions of a question, newest first, with the number of attempts on each."""
    attempts = dict(
        AttemptQuestion.objects.filter(version__question=question)
        .values_list("version")
        .annotate(n=Count("pk"))
        .values_list("version", "n")
    )
    return [
        {"version": version, "attempts": attempts.get(version.pk, 0)}
        for version in QuestionVersion.objects.filter(question=question).select_related(
            "created_by"
        )
    ]


class QuestionEditView(_SavesVersions, generic.EditView):
    template_name = "assessments/admin/question_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["versions"] = version_rows(self.object)
        context["regrade_url"] = reverse("assessments_question:regrade", args=[self.object.pk])
        return context

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        buttons.append(
            Button(
                gettext("Regrade attempts with this key"),
                url=reverse("assessments_question:regrade", args=[self.object.pk]),
                icon_name="resubmit",
                priority=40,
            )
        )
        for fmt, label in (("gift", gettext("Export GIFT")), ("moodlexml", gettext("Export XML"))):
            url = export_url(fmt=fmt, ids=[self.object.pk])
            buttons.append(Button(label, url=url, icon_name="download", priority=50))
        return buttons


class RegradeView(BankView, TemplateView):
    """Corrects a wrong key: earlier versions showing the same texts get the key of the latest
    version and their attempts are regraded (GET explains, POST does it)."""

    permission_required = "change"
    template_name = "assessments/admin/regrade.html"
    page_title = _("Regrade attempts with this key")
    header_icon = "resubmit"
    report = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.question = get_object_or_404(Question, pk=kwargs["pk"])

    def get_page_subtitle(self):
        return self.question.name

    def post(self, request, *args, **kwargs):
        from ..services.grading import question_key_correct

        self.report = question_key_correct(question=self.question, actor=request.user)
        messages.success(request, gettext("The attempts were regraded."))
        return self.get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            question=self.question,
            versions=version_rows(self.question),
            edit_url=reverse("assessments_question:edit", args=[self.question.pk]),
            report=self.report,
            **kwargs,
        )


def _category_column(question) -> str:
    return question.category_path


class QuestionViewSet(ModelViewSet):
    name = "assessments_question"
    model = Question
    url_prefix = "assessments/questions"
    icon = "help"
    menu_label = _("Questions")
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    delete_view_class = QuestionDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    search_fields = SEARCH_FIELDS
    list_per_page = 50
    list_display = [
        TitleColumn("name", label=_("Title"), url_name="assessments_question:edit"),
        Column("qtype", label=_("Type"), accessor="get_qtype_display"),
        Column("category", label=_("Category"), accessor=_category_column),
        Column("difficulty", label=_("Difficulty"), accessor="get_difficulty_display"),
        Column("his_module", label=_("HIS module"), accessor="get_his_module_display"),
        Column("latest_version", label=_("Version"), accessor=_latest_version),
        BooleanColumn("archived", label=_("Archived")),
    ]
    answer_panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("text_zh")]),
        FieldRowPanel([FieldPanel("fraction"), FieldPanel("tolerance")]),
        FieldRowPanel([FieldPanel("match"), FieldPanel("match_zh")]),
        FieldRowPanel([FieldPanel("feedback"), FieldPanel("feedback_zh")]),
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("category"), FieldPanel("qtype")]),
            FieldPanel("name"),
            FieldPanel("text"),
            FieldPanel("text_zh"),
            FieldRowPanel(
                [FieldPanel("text_format"), FieldPanel("default_mark")],
                heading=_("Format and mark"),
            ),
            FieldRowPanel(
                [FieldPanel("shuffle_answers"), FieldPanel("case_sensitive")],
                heading=_("Options"),
            ),
            InlinePanel(
                "answers",
                label=_("Answer"),
                heading=_("Answers"),
                panels=answer_panels,
                help_text=_(
                    "Single choice: at least two answers, one at 100. Multiple choice: the "
                    "positive grades add up to 100 (wrong ones may be negative). True/false: two "
                    'answers, "true" and "false", one at 100. Short answer: accepted answers '
                    "(* is a wildcard), one at 100. Numerical: numbers (or * for any) with a "
                    "tolerance, one at 100. Matching: a question and its matching answer per "
                    "row, at least two pairs and three answers (an answer without a question is "
                    "an extra wrong one). Essay and description: no answers."
                ),
            ),
            FieldRowPanel([FieldPanel("general_feedback"), FieldPanel("general_feedback_zh")]),
            MultiFieldPanel(
                [
                    FieldPanel("job_roles", widget=forms.CheckboxSelectMultiple),
                    FieldRowPanel([FieldPanel("his_module"), FieldPanel("difficulty")]),
                    FieldRowPanel([FieldPanel("keywords"), FieldPanel("idnumber")]),
                    FieldPanel("archived"),
                ],
                heading=_("Tags"),
            ),
        ],
        base_form_class=QuestionForm,
    )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("regrade/<int:pk>/", RegradeView.as_view(), name="regrade"),
        ]


class QuestionBankGroup(ViewSetGroup):
    menu_label = _("Question bank")
    menu_icon = "help"
    menu_order = 260
    items = (QuestionViewSet, QuestionCategoryViewSet, QuestionTransferViewSet)


@hooks.register("register_admin_viewset")
def register_question_bank():
    return QuestionBankGroup()
