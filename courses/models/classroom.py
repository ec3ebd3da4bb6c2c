"""Classroom sessions for a course: booking, waitlist, attendance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassroomSession(models.Model):
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    room = models.CharField(_("room"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("seats"))
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("classroom session")

    def __str__(self):
        return f"{self.course} · {self.starts_at:%Y-%m-%d %H:%M} · {self.room}"


class Booking(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(ClassroomSession, on_delete=models.CASCADE, related_name="bookings")
    staff = models.ForeignKey("org.StaffMember", on_delete=models.CASCADE, related_name="bookings")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="one_booking_per_session")
        ]

    def __str__(self):
        return f"{self.staff} · {self.session} · {self.status}"
