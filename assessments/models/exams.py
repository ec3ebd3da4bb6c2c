"""Exam definitions: which questions (fixed or drawn at random from categories), and the rules
of an attempt (time limit, window, attempts, cool-down, pass mark, grading and review)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from .bank import Question, QuestionCategory, _zh


class Exam(ClusterableModel):
    class GradingMethod(models.TextChoices):
        HIGHEST = "highest", _("Highest grade")
        LATEST = "latest", _("Latest attempt")

    class Kind(models.TextChoices):
        KNOWLEDGE = "knowledge", _("Knowledge exam")
        PRACTICAL = "practical", _("Practical exam")

    class AssessedBy(models.TextChoices):
        SIMULATION = "simulation", _("The simulated HIS")
        RUBRIC = "rubric", _("An examiner's rubric")
        BOTH = "both", _("Both: the simulation and the rubric")

    class ReviewPolicy(models.TextChoices):
        IMMEDIATELY = "immediately", _("Immediately after the attempt")
        AFTER_CLOSE = "after_close", _("After the exam closes")
        NEVER = "never", _("Never")

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.KNOWLEDGE)
    title = models.CharField(_("title"), max_length=255)
    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)
    intro = models.TextField(_("instructions"), blank=True)
    intro_zh = models.TextField(_("instructions (Chinese)"), blank=True)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    max_attempts = models.PositiveIntegerField(
        _("attempts allowed"), default=0, help_text=_("0: unlimited.")
    )
    cooldown_minutes = models.PositiveIntegerField(_("wait between attempts (minutes)"), default=0)
    pass_mark_percent = models.DecimalField(
        _("pass mark %"), max_digits=5, decimal_places=2, default=80
    )
    grading_method = models.CharField(
        _("grade to keep"),
        max_length=10,
        choices=GradingMethod.choices,
        default=GradingMethod.HIGHEST,
    )
    review_policy = models.CharField(
        _("learners see answers and feedback"),
        max_length=12,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.IMMEDIATELY,
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_answers = models.BooleanField(_("shuffle answers"), default=True)
    questions_per_page = models.PositiveIntegerField(_("questions per page"), default=5)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Only published exams can be taken.")
    )
    # Practical exams (kind "practical"): the scenario and how the attempt is assessed.
    scenario = models.ForeignKey(
        "assessments.Scenario",
        verbose_name=_("scenario"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exams",
    )
    assessed_by = models.CharField(
        _("assessed by"),
        max_length=10,
        choices=AssessedBy.choices,
        default=AssessedBy.SIMULATION,
    )
    trainers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainers of this exam"),
        blank=True,
        related_name="trained_exams",
        help_text=_("They see the attempts, grade essays and export results."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_zh if self.title_zh and _zh() else self.title

    @property
    def is_practical(self) -> bool:
        return self.kind == self.Kind.PRACTICAL

    @property
    def uses_simulation(self) -> bool:
        return self.is_practical and self.assessed_by != self.AssessedBy.RUBRIC

    @property
    def uses_rubric(self) -> bool:
        return self.is_practical and self.assessed_by != self.AssessedBy.SIMULATION

    @property
    def display_intro(self) -> str:
        return self.intro_zh if self.intro_zh and _zh() else self.intro

    # What My training (courses) reads from any assigned item.
    @property
    def label(self) -> str:
        return self.display_title

    @property
    def live(self) -> bool:
        return self.published

    def get_absolute_url(self) -> str:
        return reverse("assessments:exam_detail", args=[self.pk])


class PracticalExam(Exam):
    """The practical exams, as the admin lists and edits them (same table as Exam)."""

    class Meta:
        proxy = True
        verbose_name = _("practical exam")
        verbose_name_plural = _("practical exams")


class ExamSlot(Orderable):
    """One fixed question, or `count` questions drawn at random from a category."""

    exam = ParentalKey(Exam, related_name="slots", on_delete=models.CASCADE)
    question = models.ForeignKey(
        Question,
        verbose_name=_("question"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("or random from category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    count = models.PositiveIntegerField(_("how many (random)"), default=1)
    include_subcategories = models.BooleanField(_("include subcategories"), default=True)
    mark = models.DecimalField(
        _("mark"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: the question's default mark."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("exam question")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=False, category__isnull=True)
                | models.Q(question__isnull=True, category__isnull=False),
                name="slot_question_xor_category",
            )
        ]
