"""Curricula: what each job role must complete, and by when."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Curriculum(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    job_role = models.ForeignKey(
        "org.JobRole",
        verbose_name=_("job role"),
        on_delete=models.PROTECT,
        related_name="curricula",
    )
    departments = models.ManyToManyField(
        "org.Department",
        verbose_name=_("only these departments"),
        blank=True,
        help_text=_("Leave empty for the whole hospital. Sub-departments are included."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("curriculum")
        verbose_name_plural = _("curricula")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CurriculumItem(models.Model):
    """One required item. The link is generic (a course page now; exams and practical exams
    plug in later without changing this app)."""

    class DueRule(models.TextChoices):
        FIXED = "fixed", _("On a fixed date")
        BEFORE_GO_LIVE = "before_go_live", _("N days before the department's go-live")
        AFTER_HIRE = "after_hire", _("N days after hire")

    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="items")
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    due_rule = models.CharField(
        _("due"), max_length=20, choices=DueRule.choices, default=DueRule.BEFORE_GO_LIVE
    )
    due_date = models.DateField(_("fixed due date"), null=True, blank=True)
    due_days = models.PositiveIntegerField(_("days"), null=True, blank=True)

    class Meta:
        ordering = ["curriculum", "sort_order", "pk"]
        verbose_name = _("curriculum item")

    def __str__(self):
        return f"{self.curriculum} #{self.sort_order}"


class Assignment(models.Model):
    """A required item for one person, computed from curricula × roster. Never deleted: an
    assignment that no longer applies is withdrawn and keeps its progress."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Assigned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    staff = models.ForeignKey(
        "org.StaffMember", on_delete=models.CASCADE, related_name="assignments"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    curriculum = models.ForeignKey(
        Curriculum, null=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    assigned_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "content_type", "object_id"], name="one_assignment_per_item"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["content_type", "object_id", "status"]),
            # Readiness: a person's active and overdue assignments from the index alone.
            models.Index(
                fields=["staff", "status", "due_date", "completed_at"], name="assignment_staff_due"
            ),
        ]

    def __str__(self):
        return f"{self.staff} · {self.content_type.model} {self.object_id}"
