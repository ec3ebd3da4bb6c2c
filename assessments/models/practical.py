"""Practical exams in the simulated HIS: scenarios (versioned, as questions are), the action log
of an attempt, and the examiner's rubric.

A practical exam is an `Exam` of kind "practical" (same rules of attempts, deadline, grace and
exactly-once submit as a knowledge exam: `assessments.services.attempts`). It is assessed by
the simulation, by an examiner's rubric, or by both (`Exam.assessed_by`; the combination rule is
in `assessments.services.practical`).

The sandbox state is never stored: it is the fold of the attempt's `SimulationAction` rows over
the scenario version's initial state (`assessments.simulation`), so an attempt can be replayed
and regraded from its log.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.models import Orderable

from .attempts import Attempt
from .bank import _zh
from .exams import Exam


class Scenario(models.Model):
    """A practical scenario as trainers manage it; what an attempt uses is a version."""

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=255)
    title_zh = models.CharField(_("title (Chinese)"), max_length=255, blank=True)
    role = models.CharField(_("role"), max_length=20)
    archived = models.BooleanField(_("archived"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("practical scenario")
        verbose_name_plural = _("practical scenarios")
        ordering = ["role", "title"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        return self.title_zh if self.title_zh and _zh() else self.title


class ScenarioVersion(models.Model):
    """The scenario file as it was (JSON, format readyline-scenario v1), frozen: attempts point
    at the version they were taken on."""

    scenario = models.ForeignKey(Scenario, related_name="versions", on_delete=models.PROTECT)
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scenario", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "number"], name="unique_scenario_version")
        ]

    def __str__(self):
        return f"{self.scenario} v{self.number}"


class SimulationAction(models.Model):
    """One thing the examinee did in the simulated HIS, in order (`seq` from 1). An action the
    HIS refused is kept with its message: errors count in the result."""

    attempt = models.ForeignKey(Attempt, related_name="actions", on_delete=models.CASCADE)
    seq = models.PositiveIntegerField()
    t = models.FloatField(help_text="seconds since the attempt started")
    at = models.DateTimeField()
    action = models.JSONField()
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "seq"], name="simulation_action_seq")
        ]

    def __str__(self):
        return f"{self.attempt} · {self.seq} {self.action.get('type', '?')}"


class RubricItem(Orderable):
    """One OSCE-style checklist item the examiner ticks: done, partly or not done."""

    exam = ParentalKey(Exam, related_name="rubric_items", on_delete=models.CASCADE)
    text = models.CharField(_("checklist item"), max_length=300)
    text_zh = models.CharField(_("checklist item (Chinese)"), max_length=300, blank=True)
    points = models.PositiveIntegerField(_("points"), default=2)

    class Meta(Orderable.Meta):
        verbose_name = _("rubric item")

    def __str__(self):
        return self.text

    @property
    def display_text(self) -> str:
        return self.text_zh if self.text_zh and _zh() else self.text


class ExaminerAssignment(Orderable):
    """An examiner assigned to a candidate of a practical exam: the examiner sees and scores
    only the candidates assigned to them."""

    exam = ParentalKey(Exam, related_name="examiner_assignments", on_delete=models.CASCADE)
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("examiner"),
        on_delete=models.PROTECT,
        related_name="examiner_assignments",
    )
    staff = models.ForeignKey(
        "org.StaffMember",
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="examiner_assignments",
    )

    class Meta(Orderable.Meta):
        verbose_name = _("examiner assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "examiner", "staff"], name="unique_examiner_assignment"
            )
        ]


class GlobalRating(models.IntegerChoices):
    CLEAR_FAIL = 1, _("Clear fail")
    BORDERLINE_FAIL = 2, _("Borderline fail")
    BORDERLINE_PASS = 3, _("Borderline pass")
    CLEAR_PASS = 4, _("Clear pass")
    EXCELLENT = 5, _("Excellent")


class RubricScore(models.Model):
    """The examiner's score of one attempt: per item done / partly / not done, a global rating
    and comments. Every change is in the audit trail."""

    attempt = models.OneToOneField(Attempt, related_name="rubric_score", on_delete=models.CASCADE)
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # {rubric item id (str): "done" | "partly" | "not_done"}
    items = models.JSONField(default=dict)
    global_rating = models.PositiveSmallIntegerField(choices=GlobalRating.choices)
    comments = models.TextField(blank=True)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    max_points = models.DecimalField(max_digits=7, decimal_places=2)
    percent = models.DecimalField(max_digits=6, decimal_places=2)
    scored_at = models.DateTimeField()

    def __str__(self):
        return f"{self.attempt} · {self.percent} %"
