"""Writes of the feedback loop: learners rate courses and report problems in lessons; trainers
resolve (and reopen) the reports. Resolving and reopening land in the audit trail."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.roles import TRAINER, has_role
from portal.org.models import StaffMember
from portal.records.services import audit_record

from ..models import CoursePage, CourseRating, LessonPage, ProblemReport

COMMENT_MAX = 2000
REPORT_MAX = 2000
RESOLUTION_MAX = 2000
# A second identical report within this window is a double submit, not a new problem.
DUPLICATE_WINDOW = timedelta(minutes=1)


def may_triage(user) -> bool:
    """Trainers and administrators triage feedback."""
    return bool(user and user.is_authenticated and (user.is_superuser or has_role(user, TRAINER)))


def stars_check(stars) -> int:
    try:
        value = int(stars)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError(
            _("Choose a rating from 1 to 5 stars."), code="stars_range", params={"value": stars}
        )
    return value


def course_rate(
    *, staff: StaffMember, course: CoursePage, stars: int, comment: str = ""
) -> tuple[CourseRating, bool]:
    """Rate a course, or change one's rating: one rating per person per course. Returns the
    rating and whether it was new."""
    stars = stars_check(stars)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            _("Keep the comment under %(max)d characters.") % {"max": COMMENT_MAX},
            code="comment_length",
        )
    # The date moves with an update, so "latest comments" shows the person's current opinion.
    rating, created = CourseRating.objects.update_or_create(
        staff=staff,
        course=course,
        defaults={"stars": stars, "comment": comment, "created_at": timezone.now()},
        create_defaults={"stars": stars, "comment": comment},
    )
    return rating, created


def problem_report_create(
    *, staff: StaffMember, lesson: LessonPage, text: str, now=None
) -> tuple[ProblemReport, bool]:
    """Report a problem in a lesson. The same text from the same person on the same lesson
    within a minute is the same report (a double submit): it is returned, not created again.
    Returns the report and whether it was new."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(
            _("Describe the problem before sending the report."), code="report_empty"
        )
    if len(text) > REPORT_MAX:
        raise ValidationError(
            _("Keep the description under %(max)d characters.") % {"max": REPORT_MAX},
            code="report_length",
        )
    now = now or timezone.now()
    with transaction.atomic():
        # The staff row lock serialises one person's concurrent submits (PostgreSQL), so two
        # clicks arriving together cannot both miss the duplicate check.
        StaffMember.objects.select_for_update().filter(pk=staff.pk).first()
        existing = (
            ProblemReport.objects.filter(
                staff=staff, lesson=lesson, text=text, created_at__gte=now - DUPLICATE_WINDOW
            )
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing, False
        report = ProblemReport.objects.create(staff=staff, lesson=lesson, text=text)
    return report, True


def _snapshot(report: ProblemReport) -> dict:
    return {
        "status": report.status,
        "resolution": report.resolution,
        "resolved_by": report.resolved_by_id,
        "resolved_at": report.resolved_at,
    }


def problem_report_resolve(
    *, actor, report: ProblemReport, resolution: str, ip: str | None = None
) -> bool:
    """Mark a report resolved with a note for the reporter. Resolving a resolved report (a
    double submit) changes nothing and returns False."""
    if not may_triage(actor):
        raise PermissionDenied
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError(
            _("Write what was done (the reporter sees this note)."), code="resolution_empty"
        )
    if len(resolution) > RESOLUTION_MAX:
        raise ValidationError(
            _("Keep the note under %(max)d characters.") % {"max": RESOLUTION_MAX},
            code="resolution_length",
        )
    with transaction.atomic():
        locked = ProblemReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == ProblemReport.Status.RESOLVED:
            return False
        before = _snapshot(locked)
        locked.status = ProblemReport.Status.RESOLVED
        locked.resolution = resolution
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        audit_record(
            action="feedback.report_resolve",
            actor=actor,
            obj=locked,
            before=before,
            after=_snapshot(locked),
            ip=ip,
        )
    _refresh(report, locked)
    return True


def problem_report_reopen(*, actor, report: ProblemReport, ip: str | None = None) -> bool:
    """Open a resolved report again (the fix did not hold). The previous resolution note stays
    in the audit trail; the report shows as open. Reopening an open report changes nothing."""
    if not may_triage(actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = ProblemReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == ProblemReport.Status.OPEN:
            return False
        before = _snapshot(locked)
        locked.status = ProblemReport.Status.OPEN
        locked.resolution = ""
        locked.resolved_by = None
        locked.resolved_at = None
        locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        audit_record(
            action="feedback.report_reopen",
            actor=actor,
            obj=locked,
            before=before,
            after=_snapshot(locked),
            ip=ip,
        )
    _refresh(report, locked)
    return True


def _refresh(report: ProblemReport, locked: ProblemReport) -> None:
    for name in ("status", "resolution", "resolved_by_id", "resolved_at"):
        setattr(report, name, getattr(locked, name))
