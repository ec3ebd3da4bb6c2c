"""The question bank: categories, questions as trainers edit them, and immutable versions.

A trainer edits a `Question` (with its `QuestionAnswer` rows) in the Wagtail admin. Every save
that changes what a learner sees or how it is graded is recorded as a `QuestionVersion`: a
snapshot (JSON) of the question as it was. Attempts point at the version they saw, so editing
a question that has been attempted creates a new version and earlier attempts keep theirs; a
version nobody has attempted yet is simply updated in place.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


class QuestionCategory(models.Model):
    """A folder of questions; categories form a tree (as in Moodle) and exams draw random
    questions from them."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    info = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("question category")
        verbose_name_plural = _("question categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_category_name"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="unique_top_category_name"
            ),
        ]

    def __str__(self):
        return self.path

    @property
    def display_name(self) -> str:
        return self.name_zh if self.name_zh and _zh() else self.name

    @property
    def path(self) -> str:
        """ "Parent/Child" (one query per level; used in admin and messages, not in lists)."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))


class QType(models.TextChoices):
    SINGLE = "single", _("Multiple choice, one answer")
    MULTIPLE = "multiple", _("Multiple choice, several answers")
    TRUEFALSE = "truefalse", _("True/false")
    SHORTANSWER = "shortanswer", _("Short answer")
    NUMERICAL = "numerical", _("Numerical")
    MATCHING = "matching", _("Matching")
    ESSAY = "essay", _("Essay (graded by a trainer)")
    DESCRIPTION = "description", _("Description (text only)")


class TextFormat(models.TextChoices):
    MOODLE = "moodle", _("Moodle auto-format")
    HTML = "html", _("HTML")
    MARKDOWN = "markdown", _("Markdown")
    PLAIN = "plain", _("Plain text")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class HisModule(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    ORDERS = "orders", _("Order entry and prescribing")
    MEDICATION = "medication", _("Medication administration")
    NURSING = "nursing", _("Nursing documentation")
    BILLING = "billing", _("Billing and payment")
    ADMINISTRATION = "administration", _("Users and permissions")
    GENERAL = "general", _("General")


class Question(ClusterableModel):
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        related_name="questions",
        on_delete=models.PROTECT,
    )
    qtype = models.CharField(_("type"), max_length=20, choices=QType.choices)
    name = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("question text"))
    text_zh = models.TextField(_("question text (Chinese)"), blank=True)
    text_format = models.CharField(
        _("text format"), max_length=10, choices=TextFormat.choices, default=TextFormat.HTML
    )
    general_feedback = models.TextField(_("general feedback"), blank=True)
    general_feedback_zh = models.TextField(_("general feedback (Chinese)"), blank=True)
    default_mark = models.DecimalField(_("default mark"), max_digits=6, decimal_places=2, default=1)
    shuffle_answers = models.BooleanField(_("shuffle answers"), default=True)
    case_sensitive = models.BooleanField(_("case sensitive (short answer)"), default=False)
    idnumber = models.CharField(_("ID number"), max_length=100, blank=True)
    job_roles = ParentalManyToManyField(
        "org.JobRole", verbose_name=_("job roles"), blank=True, related_name="questions"
    )
    his_module = models.CharField(
        _("HIS module"), max_length=20, choices=HisModule.choices, default=HisModule.GENERAL
    )
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Imported tags, comma separated.")
    )
    archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Archived questions are not drawn into exams.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["category", "name", "pk"]
        indexes = [models.Index(fields=["category", "archived"])]

    def __str__(self):
        return self.name


class QuestionAnswer(Orderable):
    """One answer row: a choice (single/multiple/true-false), an accepted pattern (short
    answer), an accepted number (numerical) or a pair (matching: `text` -> `match`)."""

    question = ParentalKey(Question, related_name="answers", on_delete=models.CASCADE)
    text = models.TextField(_("answer"), blank=True)
    text_zh = models.TextField(_("answer (Chinese)"), blank=True)
    fraction = models.DecimalField(
        _("grade %"),
        max_digits=8,
        decimal_places=5,
        default=0,
        help_text=_("Share of the mark: 100 for the right answer, negative to penalise."),
    )
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_zh = models.TextField(_("feedback (Chinese)"), blank=True)
    tolerance = models.DecimalField(
        _("tolerance (numerical)"), max_digits=14, decimal_places=6, default=0
    )
    match = models.CharField(_("matching answer"), max_length=500, blank=True)
    match_zh = models.CharField(_("matching answer (Chinese)"), max_length=500, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("answer")


class QuestionVersion(models.Model):
    """What a learner saw and how it is graded, frozen. `content` is the snapshot written by
    `assessments.services.bank.question_snapshot` (text, answers, fractions, feedback in both
    languages); attempts and grading read only this."""

    question = models.ForeignKey(Question, related_name="versions", on_delete=models.PROTECT)
    number = models.PositiveIntegerField()
    qtype = models.CharField(max_length=20, choices=QType.choices)
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="unique_question_version")
        ]

    def __str__(self):
        return f"{self.question} v{self.number}"
