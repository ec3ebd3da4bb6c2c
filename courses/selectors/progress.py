"""Reads of a learner's own progress: a course's lessons with ticks, where to resume, the state
of a lesson, and My training (assigned items with status and the next thing to do).

Each takes the learner's StaffMember (None for a login without one: no progress). Nothing here
takes another person: a learner only ever sees their own progress."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..models import (
    Assignment,
    CoursePage,
    CourseProgress,
    Curriculum,
    LessonPage,
    LessonProgress,
)
from .enrolment import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    STATUS_LABELS,
    assignment_status,
)

STATUSES = [OVERDUE, IN_PROGRESS, NOT_STARTED, DONE]
ACTION_LABELS = {"start": _("Start"), "resume": _("Resume"), "review": _("Review")}


def course_lessons(course: CoursePage) -> list[LessonPage]:
    """The live lessons of a course in the order the trainer arranged them."""
    return list(
        LessonPage.objects.child_of(course)
        .live()
        .only("pk", "title", "title_zh", "required", "estimated_minutes", "url_path", "path")
        .order_by("path")
    )


def next_lesson(lesson: LessonPage) -> LessonPage | None:
    """The live lesson after this one in its course, if any."""
    return (
        LessonPage.objects.sibling_of(lesson, inclusive=False)
        .live()
        .filter(path__gt=lesson.path)
        .order_by("path")
        .first()
    )


def _lesson_progress_map(*, staff, lesson_ids) -> dict[int, LessonProgress]:
    if staff is None or not lesson_ids:
        return {}
    rows = LessonProgress.objects.filter(staff=staff, lesson_id__in=lesson_ids).only(
        "lesson_id", "completed_at", "seconds_spent"
    )
    return {row.lesson_id: row for row in rows}


def _course_progress(*, staff, course) -> CourseProgress | None:
    if staff is None:
        return None
    return CourseProgress.objects.filter(staff=staff, course=course).first()


def _resume_from(lessons, done: dict[int, bool], last_lesson_id) -> LessonPage | None:
    """Last visited lesson if unfinished, else the first unfinished required lesson."""
    by_id = {lesson.pk: lesson for lesson in lessons}
    if last_lesson_id in by_id and not done.get(last_lesson_id):
        return by_id[last_lesson_id]
    return next((lesson for lesson in lessons if lesson.required and not done.get(lesson.pk)), None)


@dataclass
class LessonRow:
    lesson: LessonPage
    done: bool
    completed_at: datetime | None
    resume: bool = False


@dataclass
class CourseOutline:
    course: CoursePage
    lessons: list[LessonRow]
    percent: int = 0
    started: bool = False
    completed_at: datetime | None = None
    resume_lesson: LessonPage | None = None
    tracked: bool = False  # False for a login with no staff record: nothing is recorded

    @property
    def required_total(self) -> int:
        return sum(1 for row in self.lessons if row.lesson.required)

    @property
    def required_done(self) -> int:
        return sum(1 for row in self.lessons if row.lesson.required and row.done)

    @property
    def first_lesson(self) -> LessonPage | None:
        return self.lessons[0].lesson if self.lessons else None

    @property
    def state(self) -> str:
        if self.completed_at:
            return DONE
        return IN_PROGRESS if self.started else NOT_STARTED


def course_outline(*, staff, course: CoursePage) -> CourseOutline:
    """A course's lessons with the learner's ticks, percentage and where to resume (a fixed
    number of queries whatever the number of lessons)."""
    lessons = course_lessons(course)
    progress = _lesson_progress_map(staff=staff, lesson_ids=[lesson.pk for lesson in lessons])
    course_progress = _course_progress(staff=staff, course=course)
    done = {pk: row.completed_at is not None for pk, row in progress.items()}
    resume = _resume_from(
        lessons, done, course_progress.last_lesson_id if course_progress else None
    )
    rows = [
        LessonRow(
            lesson=lesson,
            done=done.get(lesson.pk, False),
            completed_at=progress[lesson.pk].completed_at if lesson.pk in progress else None,
            resume=resume is not None and lesson.pk == resume.pk,
        )
        for lesson in lessons
    ]
    return CourseOutline(
        course=course,
        lessons=rows,
        percent=course_progress.percent if course_progress else 0,
        started=course_progress is not None or bool(progress),
        completed_at=course_progress.completed_at if course_progress else None,
        resume_lesson=resume,
        tracked=staff is not None,
    )


def course_resume_lesson(*, staff, course: CoursePage) -> LessonPage | None:
    """Where the learner picks the course up: the last lesson they visited if unfinished, else
    the first unfinished required lesson; None when there is nothing left (go to the course)."""
    return course_outline(staff=staff, course=course).resume_lesson


@dataclass
class LessonState:
    lesson: LessonPage
    course: CoursePage | None
    next_lesson: LessonPage | None
    completed_at: datetime | None = None
    seconds_spent: int = 0
    tracked: bool = False

    @property
    def done(self) -> bool:
        return self.completed_at is not None


def lesson_state(*, staff, lesson: LessonPage) -> LessonState:
    progress = _lesson_progress_map(staff=staff, lesson_ids=[lesson.pk]).get(lesson.pk)
    return LessonState(
        lesson=lesson,
        course=CoursePage.objects.parent_of(lesson).first(),
        next_lesson=next_lesson(lesson),
        completed_at=progress.completed_at if progress else None,
        seconds_spent=progress.seconds_spent if progress else 0,
        tracked=staff is not None,
    )


# My training ---------------------------------------------------------------------------------


@dataclass
class TrainingItem:
    assignment: Assignment
    item: object
    title: str
    due_date: date | None
    status: str
    percent: int
    action_label: str = ""
    action_url: str | None = None
    available: bool = True
    kind: str = ""
    days_left: int | None = None  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def action_text(self) -> str:
        return ACTION_LABELS[self.action_label]

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


@dataclass
class TrainingOverview:
    items: list[TrainingItem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    has_curriculum: bool = False

    @property
    def summary(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in display order, for the summary strip."""
        return [(status, STATUS_LABELS[status], self.counts.get(status, 0)) for status in STATUSES]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        """Share of assigned items done, for the summary ring."""
        return round(100 * self.counts.get(DONE, 0) / self.total) if self.items else 0


def _item_url(obj, request) -> str | None:
    if hasattr(obj, "get_url"):
        return obj.get_url(request)
    if hasattr(obj, "get_absolute_url"):
        return obj.get_absolute_url()
    return None


def _action(status: str, started: bool) -> str:
    if status == DONE:
        return "review"
    return "resume" if started else "start"


def _sort_key(item: TrainingItem):
    # Overdue first, then by due date (undated last), then by title.
    return (
        item.status != OVERDUE,
        item.status == DONE,
        item.due_date is None,
        item.due_date or date.max,
        item.title.lower(),
    )


def training_overview(*, staff, today: date, request=None) -> TrainingOverview:
    """My training: the learner's active assignments with title, due date, status, percentage
    and the next action, overdue first then by due date. A fixed number of queries whatever
    the number of assignments."""
    overview = TrainingOverview(counts=dict.fromkeys(STATUSES, 0))
    if staff is None:
        return overview
    assignments = list(
        Assignment.objects.filter(staff=staff, status=Assignment.Status.ACTIVE)
        .select_related("content_type")
        .prefetch_related("item")  # one query per kind of item (courses, later exams), not per row
    )
    course_type = ContentType.objects.get_for_model(CoursePage)
    # All of the learner's course progress (as many rows as courses they opened; no long IN list).
    course_progress = {
        row.course_id: row
        for row in CourseProgress.objects.filter(staff=staff).only(
            "course_id", "percent", "completed_at", "last_lesson_id"
        )
    }
    for assignment in assignments:
        if assignment.item is None:  # deleted since it was assigned; enrolment withdraws it
            continue
        progress = (
            course_progress.get(assignment.object_id)
            if assignment.content_type_id == course_type.pk
            else None
        )
        item = _training_item(
            assignment=assignment, progress=progress, today=today, request=request
        )
        overview.items.append(item)
        overview.counts[item.status] += 1
    overview.items.sort(key=_sort_key)
    if not overview.items:
        overview.has_curriculum = Curriculum.objects.filter(
            job_role_id=staff.job_role_id, active=True
        ).exists()
    return overview


def _started(progress: CourseProgress | None) -> bool:
    # A lesson visited (the visit sets last_lesson) or some progress recorded.
    return progress is not None and (progress.percent > 0 or progress.last_lesson_id is not None)


def _training_item(*, assignment, progress, today, request) -> TrainingItem:
    obj = assignment.item
    is_course = isinstance(obj, CoursePage)
    # The status rule is the enrolment selector's (the chase list uses it too); `started` is
    # given here from the progress already fetched, so it asks the database nothing.
    assignment.started = _started(progress)
    status = assignment_status(assignment, today)
    percent = 100 if status == DONE else (progress.percent if progress else 0)
    available = getattr(obj, "live", True)
    action = _action(status, assignment.started)
    if not available:
        url = None
    elif is_course and action != "review":
        url = reverse("courses:course_resume", args=[obj.pk])
    else:
        url = _item_url(obj, request)
    return TrainingItem(
        assignment=assignment,
        item=obj,
        title=str(getattr(obj, "label", None) or obj),
        due_date=assignment.due_date,
        status=status,
        percent=percent,
        action_label=action,
        action_url=url,
        available=available,
        kind=obj._meta.verbose_name,
        days_left=(assignment.due_date - today).days if assignment.due_date else None,
    )
