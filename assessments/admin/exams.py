"""Exams in the Wagtail admin (registered by assessments/wagtail_hooks.py): the rules of an
attempt and its questions on one page. A question slot is one fixed question or `count`
questions drawn at random from a category.

A trainer sees and edits only the exams they train (superusers all): being able to add oneself
to another exam's trainers would open its attempts. Saves go through
assessments.services.trainer.exam_save, which audits them and makes the creator a trainer of a
new exam nobody was named to.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from portal.accounts.roles import TRAINER
from portal.records.services import client_ip

from ..models import Exam, Question, QuestionCategory, QuestionVersion
from ..selectors.trainer import exams_trained_ids
from ..services.trainer import ExamDeleteRefused, exam_delete, exam_save


def trainers_choosable(current=()):
    """Trainers and administrators, plus whoever trains the exam already."""
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name=TRAINER, is_active=True)
            | Q(is_superuser=True, is_active=True)
            | Q(pk__in=list(current))
        )
        .distinct()
        .order_by("first_name", "email")
    )


class QuestionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.category.name} · {obj.name} ({obj.get_qtype_display()})"


class ExamSlotForm(WagtailAdminModelForm):
    """One slot: a question XOR a category (the database says so too, as a constraint)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = [self.instance.question_id] if self.instance.question_id else []
        # Archived questions are not offered (the one already in the slot stays choosable).
        self.fields["question"] = QuestionChoiceField(
            queryset=Question.objects.filter(Q(archived=False) | Q(pk__in=current))
            .select_related("category")
            .order_by("category__name", "name", "pk"),
            required=False,
            label=_("Fixed question"),
            initial=self.initial.get("question"),
        )
        self.fields["category"].required = False
        self.fields["count"].validators.append(MinValueValidator(1))
        self.fields["count"].widget.attrs["min"] = 1
        self.fields["mark"].validators.append(MinValueValidator(0))

    def clean(self):
        cleaned = super().clean()
        question, category = cleaned.get("question"), cleaned.get("category")
        if question and category:
            self.add_error(
                "category",
                gettext("Choose a fixed question or a category to draw from, not both."),
            )
        elif not question and not category and "question" not in self.errors:
            self.add_error(
                "question",
                gettext("Choose a question, or a category to draw random questions from."),
            )
        return cleaned


class SlotsPanel(InlinePanel):
    """The slots' inline panel, with the slot form above for each row."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = ExamSlotForm
        return options


class ExamForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = (
            list(self.instance.trainers.values_list("pk", flat=True)) if self.instance.pk else []
        )
        self.fields["trainers"].queryset = trainers_choosable(current)
        self.fields["pass_mark_percent"].validators += [
            MinValueValidator(0),
            MaxValueValidator(100),
        ]
        self.fields["pass_mark_percent"].widget.attrs.update(min=0, max=100)
        self.fields["time_limit_minutes"].validators.append(MinValueValidator(1))
        self.fields["time_limit_minutes"].widget.attrs["min"] = 1
        self.fields["questions_per_page"].validators.append(MinValueValidator(1))
        self.fields["questions_per_page"].widget.attrs["min"] = 1

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", gettext("The exam must close after it opens."))
        slots = self.formsets["slots"]
        if slots.is_valid():
            kept = [
                form
                for form in slots.forms
                if (form.has_changed() or form.instance.pk) and not slots._should_delete_form(form)
            ]
            # The order the trainer set (drag and drop), which is the order the engine draws in.
            kept.sort(key=lambda form: form.cleaned_data.get("ORDER") or 0)
            for number, form in enumerate(kept, start=1):
                form.slot_number = number  # as the trainer counts them, in messages
            self._slots_check(kept)
            if cleaned.get("published") and not kept:
                self.add_error("published", gettext("Add at least one question before publishing."))
        return cleaned

    def _slots_check(self, slot_forms):
        fixed = {}
        for form in slot_forms:
            question = form.cleaned_data.get("question")
            if question is None:
                continue
            if question.pk in fixed:
                form.add_error(
                    "question",
                    gettext("This question is already in the exam (question %(n)s).")
                    % {"n": fixed[question.pk]},
                )
            else:
                fixed[question.pk] = form.slot_number
        draws = [f for f in slot_forms if f.cleaned_data.get("category") is not None]
        if draws:
            _draws_check(draws, set(fixed))


def _pools(draws) -> list[set[int]]:
    """For each random draw, the ids of the questions it may draw from its category (and its
    subcategories when the slot says so). Two queries for all draws."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in QuestionCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    categories = []
    for form in draws:
        root = form.cleaned_data["category"].pk
        found, todo = set(), [root]
        while todo:
            pk = todo.pop()
            if pk in found:
                continue
            found.add(pk)
            if form.cleaned_data.get("include_subcategories"):
                todo.extend(children.get(pk, []))
        categories.append(found)
    by_category: dict[int, set[int]] = {}
    # As the engine draws (services/attempts.py): not archived, and with a version.
    questions = (
        Question.objects.filter(archived=False, category__in=set().union(*categories))
        .filter(Exists(QuestionVersion.objects.filter(question=OuterRef("pk"))))
        .values_list("pk", "category_id")
    )
    for pk, category_id in questions:
        by_category.setdefault(category_id, set()).add(pk)
    return [set().union(*(by_category.get(c, set()) for c in found)) for found in categories]


def _draws_check(draws, fixed: set[int]) -> None:
    """Every attempt can be given every question asked for. The engine fills the draws in slot
    order, each at random from what the fixed questions and earlier draws left, never a
    question twice. So in the worst case each earlier draw took its questions from this
    draw's categories: a draw is accepted when its categories still hold enough after that."""
    pools = [pool - fixed for pool in _pools(draws)]
    counts = [form.cleaned_data.get("count") or 0 for form in draws]
    for k, form in enumerate(draws):
        held = len(pools[k])
        taken = sum(min(counts[j], len(pools[j] & pools[k])) for j in range(k))
        if counts[k] <= held - taken:
            continue
        if taken == 0:
            message = gettext(
                "The category holds %(held)s questions that can be drawn (not archived, "
                "not already fixed in this exam%(sub)s); this draw asks for %(count)s."
            )
        else:
            message = gettext(
                "The category holds %(held)s questions that can be drawn, and the draws above "
                "may take up to %(taken)s of them; this draw asks for %(count)s. Ask for fewer, "
                "or put the draw from the narrower category first."
            )
        form.add_error(
            "count",
            message
            % {
                "held": held,
                "taken": taken,
                "count": counts[k],
                "sub": gettext(", subcategories included")
                if form.cleaned_data.get("include_subcategories")
                else "",
            },
        )


# ---------------------------------------------------------------------------------------------
# Views


class _OwnExams:
    """Trainers reach only the exams they train (others: 404), knowledge exams here (practical
    ones in admin/practical.py)."""

    kind = Exam.Kind.KNOWLEDGE

    def get_queryset(self):
        return self.model.objects.filter(
            pk__in=exams_trained_ids(user=self.request.user), kind=self.kind
        )


class ExamIndexView(generic.IndexView):
    default_ordering = "title"

    def get_base_queryset(self):
        return (
            Exam.objects.filter(pk__in=exams_trained_ids(user=self.request.user))
            .filter(kind=Exam.Kind.KNOWLEDGE)
            .annotate(slot_count=Count("slots", distinct=True))
        )


class ExamCreateView(generic.CreateView):
    def get_initial(self):
        return {**super().get_initial(), "trainers": [self.request.user.pk]}

    def save_instance(self):
        return exam_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class ExamEditView(_OwnExams, generic.EditView):
    def save_instance(self):
        return exam_save(actor=self.request.user, form=self.form, ip=client_ip(self.request))


class ExamDeleteView(_OwnExams, generic.DeleteView):
    def delete_action(self):
        exam_delete(actor=self.request.user, exam=self.object, ip=client_ip(self.request))

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ExamDeleteRefused as exc:
            # Attempted, or required by a curriculum: say why on the exam's page.
            messages.error(self.request, exc.message)
            return redirect(reverse(self.edit_url_name, args=[self.object.pk]))


def _attempts_url(exam):
    return reverse("assessments:exam_attempts", args=[exam.pk])


def exam_text_panel() -> MultiFieldPanel:
    """The exam's title and instructions in both languages (knowledge and practical exams)."""
    return MultiFieldPanel(
        [FieldPanel("title"), FieldPanel("title_zh"), FieldPanel("intro"), FieldPanel("intro_zh")],
        heading=_("Exam"),
    )


def publishing_panel() -> MultiFieldPanel:
    return MultiFieldPanel(
        [FieldPanel("published"), FieldPanel("trainers", widget=forms.CheckboxSelectMultiple)],
        heading=_("Publishing and trainers"),
    )


class ExamViewSet(ModelViewSet):
    model = Exam
    url_prefix = "assessments/exams"
    icon = "tasks"
    menu_label = _("Exams")
    menu_order = 261  # right after the Question bank
    add_to_admin_menu = True
    index_view_class = ExamIndexView
    add_view_class = ExamCreateView
    edit_view_class = ExamEditView
    delete_view_class = ExamDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    list_filter = ["published"]
    search_fields = ["title", "title_zh"]
    list_per_page = 50
    edit_handler = ObjectList(
        [
            exam_text_panel(),
            SlotsPanel(
                "slots",
                heading=_("Questions"),
                label=_("Question or random draw"),
                panels=[
                    FieldPanel("question"),
                    FieldRowPanel([FieldPanel("category"), FieldPanel("count")]),
                    FieldRowPanel([FieldPanel("include_subcategories"), FieldPanel("mark")]),
                ],
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
                ],
                heading=_("Timing and attempts"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("pass_mark_percent"),
                    FieldPanel("grading_method"),
                    FieldPanel("review_policy"),
                ],
                heading=_("Grading and review"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("shuffle_questions"),
                    FieldPanel("shuffle_answers"),
                    FieldPanel("questions_per_page"),
                ],
                heading=_("Layout"),
            ),
            publishing_panel(),
        ],
        base_form_class=ExamForm,
    )

    @property
    def list_display(self):
        return [
            "title",
            Column("slots", label=_("Question slots"), accessor="slot_count"),
            "published",
            "opens_at",
            "closes_at",
            TitleColumn(
                "attempts",
                label=_("Attempts"),
                accessor=lambda exam: gettext("Attempts and statistics"),
                get_url=_attempts_url,
            ),
        ]


@hooks.register("register_admin_viewset")
def register_exams():
    return ExamViewSet("exams")
