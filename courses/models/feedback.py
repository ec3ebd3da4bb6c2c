"""Learners rate courses and report problems in lessons; trainers triage them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseRating(models.Model):
    staff = models.ForeignKey("org.StaffMember", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="ratings"
    )
    stars = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="one_rating_per_course"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="stars_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.course} · {self.stars}★"


class ProblemReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    staff = models.ForeignKey("org.StaffMember", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="problem_reports"
    )
    text = models.TextField(_("what is wrong"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.lesson} · {self.status}"
