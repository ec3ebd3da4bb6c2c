"""Recording a learner's progress: lesson visits and time, explicit lesson completion, course
completion (which completes the matching assignments) and completion of other assigned items.

Only a person on the roster (a StaffMember) has progress; callers pass `staff=None` for a login
without a staff record and nothing is written.
"""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal.records.services import audit_record

from ..models import Assignment, CoursePage, CourseProgress, LessonPage, LessonProgress
from ..signals import course_completed
from .assignment_counts import assignment_counts_refresh

# One time report counts at most this much: a tab left open over lunch is not study time.
MAX_REPORT_SECONDS = 30 * 60

# Hook point for requirements beyond the lessons, e.g. the course's knowledge exam (the
# assessments issue). Apps further along the flow register a check here instead of this app
# importing them: `check(*, staff, course) -> bool`, True when that requirement is met. After
# such a requirement is met, its app calls `course_progress_refresh` so completion is recorded.
CourseRequirementCheck = Callable[..., bool]
COURSE_COMPLETION_REQUIREMENTS: list[CourseRequirementCheck] = []


def course_requirement_register(check: CourseRequirementCheck) -> CourseRequirementCheck:
    """Add a completion requirement for every course (usable as a decorator). Idempotent."""
    if check not in COURSE_COMPLETION_REQUIREMENTS:
        COURSE_COMPLETION_REQUIREMENTS.append(check)
    return check


def _course_extra_requirements_met(*, staff, course) -> bool:
    return all(check(staff=staff, course=course) for check in COURSE_COMPLETION_REQUIREMENTS)


def _seconds(value) -> int:
    """A reported duration, clamped to 0..MAX_REPORT_SECONDS."""
    try:
        seconds = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return max(0, min(seconds, MAX_REPORT_SECONDS))


def lesson_course(lesson: LessonPage) -> CoursePage | None:
    return CoursePage.objects.parent_of(lesson).first()


def _lesson_progress_touch(*, staff, lesson, seconds: int) -> LessonProgress:
    progress, _created = LessonProgress.objects.get_or_create(staff=staff, lesson=lesson)
    fields = ["last_seen_at"]
    if seconds:
        # F() so two beacons arriving together both count.
        progress.seconds_spent = F("seconds_spent") + seconds
        fields.append("seconds_spent")
    progress.save(update_fields=fields)
    if seconds:
        progress.refresh_from_db(fields=["seconds_spent"])
    return progress


def lesson_visit(*, staff, lesson: LessonPage, seconds=0) -> LessonProgress | None:
    """The learner is on this lesson: count the time reported (capped) and remember the lesson
    as the place to resume its course."""
    if staff is None:
        return None
    seconds = _seconds(seconds)
    with transaction.atomic():
        progress = _lesson_progress_touch(staff=staff, lesson=lesson, seconds=seconds)
        course = lesson_course(lesson)
        if course is not None:
            course_progress, created = CourseProgress.objects.get_or_create(
                staff=staff, course=course, defaults={"last_lesson": lesson}
            )
            if not created and course_progress.last_lesson_id != lesson.pk:
                course_progress.last_lesson = lesson
                course_progress.save(update_fields=["last_lesson", "updated_at"])
    return progress


def lesson_complete(*, staff, lesson: LessonPage, seconds=0) -> LessonProgress | None:
    """Explicit completion of a lesson. Idempotent: completing it again changes nothing (the
    time reported alongside still counts) and does not move the completion date."""
    if staff is None:
        return None
    with transaction.atomic():
        progress = lesson_visit(staff=staff, lesson=lesson, seconds=seconds)
        # Conditional update: of two simultaneous submits only one sets the date.
        newly = LessonProgress.objects.filter(pk=progress.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
        progress.refresh_from_db(fields=["completed_at"])
        course = lesson_course(lesson)
        if newly and course is not None:
            course_progress_refresh(staff=staff, course=course)
    return progress


def required_lesson_ids(course: CoursePage) -> list[int]:
    """The live required lessons of a course: drafts and optional lessons do not count."""
    return list(
        LessonPage.objects.child_of(course)
        .live()
        .filter(required=True)
        .values_list("pk", flat=True)
    )


def course_progress_refresh(*, staff, course: CoursePage) -> CourseProgress | None:
    """Recompute the percentage and record completion once every required live lesson is done
    (and every registered extra requirement, e.g. the course's exam, is met). Completion is
    kept once recorded: a lesson added later does not take it away."""
    if staff is None:
        return None
    required = required_lesson_ids(course)
    done = LessonProgress.objects.filter(
        staff=staff, lesson_id__in=required, completed_at__isnull=False
    ).count()
    percent = round(100 * done / len(required)) if required else 0
    lessons_done = bool(required) and done == len(required)
    with transaction.atomic():
        progress, _created = CourseProgress.objects.select_for_update().get_or_create(
            staff=staff, course=course
        )
        newly_completed = False
        if progress.completed_at is None:
            if lessons_done and _course_extra_requirements_met(staff=staff, course=course):
                progress.completed_at = timezone.now()
                newly_completed = True
            elif lessons_done:
                percent = min(percent, 99)  # the lessons are done; the exam is still to come
        if progress.completed_at is not None:
            percent = 100
        progress.percent = percent
        progress.save(update_fields=["percent", "completed_at", "updated_at"])
        if progress.completed_at is not None:
            _assignments_complete(staff=staff, item=course, at=progress.completed_at)
        if newly_completed:
            transaction.on_commit(
                lambda: course_completed.send(
                    sender=CoursePage, staff_id=staff.pk, course_id=course.pk
                )
            )
            audit_record(
                action="course.complete",
                actor=staff.user,
                obj=course,
                object_type="courses.coursepage",
                after={
                    "staff": staff.pk,
                    "employee_no": staff.employee_no,
                    "course": course.title,
                    "version": course.version,
                    "completed_at": progress.completed_at,
                },
            )
    return progress


def _assignments_complete(*, staff, item, at, content_type=None) -> int:
    """Complete the staff member's active assignments of an item that are not complete yet."""
    content_type = content_type or ContentType.objects.get_for_model(item, for_concrete_model=True)
    count = Assignment.objects.filter(
        staff=staff,
        content_type=content_type,
        object_id=item.pk,
        status=Assignment.Status.ACTIVE,
        completed_at__isnull=True,
    ).update(completed_at=at)
    if count:
        assignment_counts_refresh(staff_ids=[staff.pk])
    return count


def item_complete(*, staff, content_type, object_id, actor=None) -> int:
    """Mark an assigned item (e.g. a classroom requirement, once attendance is recorded) as
    complete for this person. Idempotent; returns how many assignments were completed now.
    `content_type` is a ContentType or its id."""
    if staff is None:
        return 0
    if not isinstance(content_type, ContentType):
        content_type = ContentType.objects.get_for_id(int(content_type))
    now = timezone.now()
    with transaction.atomic():
        count = Assignment.objects.filter(
            staff=staff,
            content_type=content_type,
            object_id=object_id,
            status=Assignment.Status.ACTIVE,
            completed_at__isnull=True,
        ).update(completed_at=now)
        if count:
            assignment_counts_refresh(staff_ids=[staff.pk])
            audit_record(
                action="item.complete",
                actor=actor,
                object_type=f"{content_type.app_label}.{content_type.model}",
                object_id=object_id,
                after={"staff": staff.pk, "employee_no": staff.employee_no, "completed_at": now},
            )
    return count
