"""Attempts: one person's sitting of an exam, and one row per question they were given.

Invariants the database enforces (not only the code): at most one open attempt per person per
exam; attempt numbers are unique per person and exam; a question position is unique within an
attempt. Saves carry a sequence number per question (`AttemptQuestion.seq`) so a stale or
replayed save cannot overwrite a newer answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .bank import QuestionVersion
from .exams import Exam


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    class FinishedBy(models.TextChoices):
        LEARNER = "learner", _("Submitted")
        DEADLINE = "deadline", _("Time ran out")
        EXAMINER = "examiner", _("Scored by the examiner")

    exam = models.ForeignKey(Exam, related_name="attempts", on_delete=models.PROTECT)
    staff = models.ForeignKey(
        "org.StaffMember", related_name="exam_attempts", on_delete=models.PROTECT
    )
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(
        null=True, blank=True, help_text="min(start + time limit, close); empty: no limit"
    )
    last_saved_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.CharField(max_length=10, choices=FinishedBy.choices, blank=True)
    current_page = models.PositiveIntegerField(default=0)
    # Marks: the sum over questions; None while any essay waits for a trainer.
    marks = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_marks = models.DecimalField(max_digits=8, decimal_places=3, default=0)
    percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    needs_grading = models.BooleanField(default=False)
    # Practical exams: the scenario version taken and the simulation's result (the JSON of
    # assessments.simulation.Result; regraded from the action log, never edited).
    scenario_version = models.ForeignKey(
        "assessments.ScenarioVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    simulation = models.JSONField(null=True, blank=True)
    excluded = models.BooleanField(
        default=False, help_text="Excluded from the exam outcome (never deleted)."
    )
    # Who excluded it (or counted it again) last, when and why: shown in the proficiency
    # breakdown and in HR's transcript; every change is also in the audit trail.
    excluded_reason = models.CharField(max_length=500, blank=True)
    excluded_by = models.CharField(max_length=255, blank=True)
    excluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["exam", "staff", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "staff"],
                condition=Q(state="in_progress"),
                name="one_open_attempt_per_exam",
            ),
            models.UniqueConstraint(fields=["exam", "staff", "number"], name="attempt_number"),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["exam", "state"]),
        ]

    def __str__(self):
        return f"{self.exam} · {self.staff} #{self.number}"


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(Attempt, related_name="questions", on_delete=models.CASCADE)
    position = models.PositiveIntegerField()  # 0-based order shown to the learner
    page = models.PositiveIntegerField(default=0)
    version = models.ForeignKey(QuestionVersion, related_name="+", on_delete=models.PROTECT)
    # The order the learner sees the answers in (indexes into the version's answers).
    answer_order = models.JSONField(default=list)
    max_mark = models.DecimalField(max_digits=6, decimal_places=2)
    response = models.JSONField(null=True, blank=True)
    seq = models.BigIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    fraction = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    mark = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    grader_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_question_pos")
        ]
        indexes = [models.Index(fields=["version"]), models.Index(fields=["needs_grading"])]

    def __str__(self):
        return f"{self.attempt} · Q{self.position + 1}"
