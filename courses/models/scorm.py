"""SCORM 1.2 / 2004 packages played as lessons, and each learner's CMI data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScormPackage(models.Model):
    class Version(models.TextChoices):
        SCORM_12 = "1.2", "SCORM 1.2"
        SCORM_2004 = "2004", "SCORM 2004"

    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("package (zip)"), upload_to="scorm/zips/")
    version = models.CharField(max_length=10, choices=Version.choices)
    # Where the extracted package lives under MEDIA_ROOT, and its launch file within it.
    folder = models.CharField(max_length=255, blank=True)
    launch = models.CharField(max_length=500, blank=True)
    manifest = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SCORM package")

    def __str__(self):
        return f"{self.title} ({self.get_version_display()})"


class ScormRecord(models.Model):
    staff = models.ForeignKey("org.StaffMember", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(
        "courses.LessonPage", on_delete=models.CASCADE, related_name="scorm_records"
    )
    cmi = models.JSONField(default=dict)
    completion_status = models.CharField(max_length=20, blank=True)
    success_status = models.CharField(max_length=20, blank=True)
    score = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "lesson"], name="one_scorm_record_per_lesson")
        ]

    def __str__(self):
        return f"{self.staff} · {self.lesson}"
