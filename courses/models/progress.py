"""A learner's progress through lessons and courses."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LessonProgress(models.Model):
    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="progress"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("time spent (seconds)"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self):
        return f"{self.staff} · {self.lesson}"


class CourseProgress(models.Model):
    """Kept current by the progress service: the percentage, where to resume, completion."""

    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.CASCADE, related_name="course_progress"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.CASCADE, related_name="progress"
    )
    last_lesson = models.ForeignKey(
        "courses.LessonPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    percent = models.PositiveSmallIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="one_progress_per_course")
        ]

    def __str__(self):
        return f"{self.staff} · {self.course} · {self.percent}%"
