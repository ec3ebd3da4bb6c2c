"""Reads for enrolment: what a curriculum item may point at, and assignments with their status.

Status of an assignment on a given day (the learner's "My training" and the manager's chase
list use the same rule):

- done: completed (completed_at set), whatever the due date;
- overdue: not done and its due date has passed;
- in_progress: not done, not overdue, and the learner has started (a lesson of the course
  visited or completed, or the course's progress above 0 %);
- not_started: everything else.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from courses.models import Assignment, CoursePage, CourseProgress, LessonProgress

DONE, OVERDUE, IN_PROGRESS, NOT_STARTED = "done", "overdue", "in_progress", "not_started"
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    DONE: _("Done"),
    OVERDUE: _("Overdue"),
}


# ---------------------------------------------------------------------------------------------
# What a curriculum item can require. Courses now; exams and practical exams register a kind of
# their own (from their app's ready()) and the curriculum admin and the enrolment engine pick it
# up without a change here.


@dataclass(frozen=True)
class ItemKind:
    key: str  # the form's choice, e.g. "course"
    label: str
    model: type  # what CurriculumItem.content_type points at
    choices: Callable[[], QuerySet]  # what a trainer may pick (and what may be assigned)

    @property
    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def assignable_ids(self, ids: Iterable[int]) -> set[int]:
        """Of these targets, the ones that can be assigned now (e.g. a course that is still
        published). An item whose target is not assignable is skipped by the engine, so its
        assignments are withdrawn until it is again."""
        return set(self.choices().filter(pk__in=list(ids)).values_list("pk", flat=True))


ITEM_KINDS: dict[str, ItemKind] = {}


def item_kind_register(kind: ItemKind) -> None:
    ITEM_KINDS[kind.key] = kind


def item_kind_for(content_type_id: int) -> ItemKind | None:
    for kind in ITEM_KINDS.values():
        if kind.content_type.pk == content_type_id:
            return kind
    return None


item_kind_register(
    ItemKind(
        key="course",
        label=_("Course"),
        model=CoursePage,
        choices=lambda: CoursePage.objects.live().order_by("title"),
    )
)


def course_content_type() -> ContentType:
    return ContentType.objects.get_for_model(CoursePage)


# ---------------------------------------------------------------------------------------------
# Status


def assignment_status(assignment: Assignment, today: date) -> str:
    """One of "not_started", "in_progress", "done", "overdue". Uses the `started` annotation of
    the selectors below when present; otherwise asks the database (one query)."""
    if assignment.completed_at:
        return DONE
    if assignment.due_date and assignment.due_date < today:
        return OVERDUE
    started = getattr(assignment, "started", None)
    if started is None:
        started = _started(assignment)
    return IN_PROGRESS if started else NOT_STARTED


def _started(assignment: Assignment) -> bool:
    if assignment.content_type_id != course_content_type().pk:
        return False
    course_path = Page.objects.filter(pk=assignment.object_id).values_list("path", flat=True)
    path = course_path.first()
    if path is None:
        return False
    return (
        CourseProgress.objects.filter(
            staff_id=assignment.staff_id, course_id=assignment.object_id, percent__gt=0
        ).exists()
        or LessonProgress.objects.filter(
            staff_id=assignment.staff_id, lesson__path__startswith=path
        ).exists()
    )


def assignments_with_status(assignments: QuerySet, *, today: date) -> QuerySet:
    """Annotate `started` and `progress_status` (the rule above; `status` is the model's own
    field, active or withdrawn) in SQL, so a list can filter and count by it and show it
    without a query per row."""
    course_type = course_content_type()
    course_path = Page.objects.filter(pk=OuterRef("object_id")).values("path")[:1]
    lesson_started = LessonProgress.objects.filter(
        staff_id=OuterRef("staff_id"), lesson__path__startswith=OuterRef("course_path")
    )
    course_started = CourseProgress.objects.filter(
        staff_id=OuterRef("staff_id"), course_id=OuterRef("object_id"), percent__gt=0
    )
    return (
        assignments.annotate(
            course_path=Case(
                When(content_type_id=course_type.pk, then=Subquery(course_path)),
                default=Value(None),
                output_field=CharField(),
            )
        )
        .annotate(
            started=Case(
                When(
                    Q(content_type_id=course_type.pk)
                    & (Exists(course_started) | Exists(lesson_started)),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .annotate(
            progress_status=Case(
                When(completed_at__isnull=False, then=Value(DONE)),
                When(due_date__lt=today, then=Value(OVERDUE)),
                When(started=True, then=Value(IN_PROGRESS)),
                default=Value(NOT_STARTED),
                output_field=CharField(),
            )
        )
    )


def assignments_for_staff(*, staff, today: date) -> QuerySet:
    """A learner's current (not withdrawn) assignments with `progress_status`, soonest due first
    (no due date last), the required item prefetched as `item`."""
    assignments = Assignment.objects.filter(staff=staff, status=Assignment.Status.ACTIVE)
    return (
        assignments_with_status(assignments, today=today)
        .select_related("curriculum", "content_type")
        .prefetch_related("item")
        .order_by(_due_first(), "curriculum__name", "pk")
    )


def assignments_for_departments(*, department_ids: Iterable[int], today: date) -> QuerySet:
    """The manager's chase list: current assignments of active staff in these departments (pass
    the sub-departments too, e.g. org.selectors.managed_department_ids), with `progress_status`
    and the person's department, role and shift; filter on `progress_status` to chase."""
    assignments = Assignment.objects.filter(
        status=Assignment.Status.ACTIVE,
        staff__active=True,
        staff__department_id__in=list(department_ids),
    )
    return (
        assignments_with_status(assignments, today=today)
        .select_related(
            "staff",
            "staff__department",
            "staff__job_role",
            "staff__shift",
            "curriculum",
            "content_type",
        )
        .prefetch_related("item")
        .order_by("staff__department__code", "staff__full_name", "staff_id", _due_first(), "pk")
    )


def _due_first():
    return F("due_date").asc(nulls_last=True)
