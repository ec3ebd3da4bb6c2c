"""Assignment status (not started, in progress, done, overdue) per assignment and annotated on
lists, the learner's and the manager's lists, and their query counts at 10 and 1,000 rows."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from courses.models import Assignment, CoursePage, CourseProgress, LessonProgress
from courses.selectors.enrolment import (
    ITEM_KINDS,
    assignment_status,
    assignments_for_departments,
    assignments_for_staff,
    item_kind_for,
)
from courses.services.enrolment import _insert
from portal.org.models import StaffMember
from tests.courses.factories import course
from tests.factories import DepartmentFactory, job_role, person, shift

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


def assign(member, page, **fields) -> Assignment:
    return Assignment.objects.create(
        staff=member,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        **fields,
    )


def status_both_ways(assignment) -> tuple[str, str]:
    """The status from the plain object (a query) and from the annotated list (no query)."""
    plain = assignment_status(Assignment.objects.get(pk=assignment.pk), TODAY)
    listed = {
        a.pk: (a.progress_status, assignment_status(a, TODAY))
        for a in assignments_for_staff(staff=assignment.staff, today=TODAY)
    }[assignment.pk]
    assert listed[0] == listed[1]
    return plain, listed[0]


def test_not_started():
    nurse, page = person(), course(lessons=2)
    assignment = assign(nurse, page, due_date=date(2026, 4, 1))
    assert status_both_ways(assignment) == ("not_started", "not_started")


def test_in_progress_after_visiting_a_lesson():
    nurse, page = person(), course(lessons=2)
    first = page.get_children().first()
    assignment = assign(nurse, page, due_date=date(2026, 4, 1))
    LessonProgress.objects.create(staff=nurse, lesson_id=first.pk)
    assert status_both_ways(assignment) == ("in_progress", "in_progress")


def test_another_persons_or_another_courses_progress_does_not_count():
    nurse, colleague = person(), person()
    page, other = course(lessons=1), course(lessons=1)
    assignment = assign(nurse, page, due_date=date(2026, 4, 1))
    LessonProgress.objects.create(staff=colleague, lesson_id=page.get_children().first().pk)
    LessonProgress.objects.create(staff=nurse, lesson_id=other.get_children().first().pk)
    CourseProgress.objects.create(staff=nurse, course=other, percent=50)
    CourseProgress.objects.create(staff=nurse, course=page, percent=0)
    assert status_both_ways(assignment) == ("not_started", "not_started")


def test_in_progress_by_course_percentage():
    nurse, page = person(), course(lessons=2)
    assignment = assign(nurse, page)
    CourseProgress.objects.create(staff=nurse, course=page, percent=50)
    assert status_both_ways(assignment) == ("in_progress", "in_progress")


def test_overdue_when_the_due_date_has_passed_even_if_started():
    nurse, page = person(), course(lessons=1)
    assignment = assign(nurse, page, due_date=date(2026, 3, 9))
    CourseProgress.objects.create(staff=nurse, course=page, percent=50)
    assert status_both_ways(assignment) == ("overdue", "overdue")
    assignment.due_date = TODAY  # due today is not overdue yet
    assignment.save()
    assert status_both_ways(assignment) == ("in_progress", "in_progress")


def test_done_wins_over_everything():
    nurse, page = person(), course(lessons=1)
    assignment = assign(nurse, page, due_date=date(2026, 1, 1), completed_at=timezone.now())
    assert status_both_ways(assignment) == ("done", "done")


def test_the_learners_list_is_current_items_soonest_first():
    nurse = person()
    later, sooner, undated, gone = (course(lessons=0) for _ in range(4))
    assign(nurse, later, due_date=date(2026, 6, 1))
    assign(nurse, undated)
    assign(nurse, sooner, due_date=date(2026, 4, 1))
    assign(nurse, gone, status=Assignment.Status.WITHDRAWN)
    assign(person(), sooner)
    listed = list(assignments_for_staff(staff=nurse, today=TODAY))
    assert [a.item for a in listed] == [sooner, later, undated]
    assert isinstance(listed[0].item, CoursePage)


def test_the_chase_list_covers_the_given_departments_and_active_staff_only():
    ward, other = DepartmentFactory(code="W1"), DepartmentFactory(code="W2")
    page = course(lessons=0)
    here = assign(person(department=ward), page, due_date=date(2026, 3, 1))
    assign(person(department=other), page)
    leaver = person(department=ward, active=False)
    assign(leaver, page)
    assign(person(department=ward), page, status=Assignment.Status.WITHDRAWN)
    listed = list(assignments_for_departments(department_ids=[ward.pk], today=TODAY))
    assert [(a.pk, a.progress_status) for a in listed] == [(here.pk, "overdue")]
    overdue = assignments_for_departments(department_ids=[ward.pk], today=TODAY).filter(
        progress_status="overdue"
    )
    assert overdue.count() == 1


@pytest.mark.parametrize("rows", [10, 1000])
def test_chase_list_query_count_is_the_same_at_10_and_1000_rows(django_assert_num_queries, rows):
    ward = DepartmentFactory(code="W1")
    pages = [course(lessons=1) for _ in range(2)]
    StaffMember.objects.bulk_create(
        StaffMember(
            employee_no=f"Q{i:05d}",
            full_name=f"护士{i}",
            department=ward,
            job_role=job_role("nurse"),
            shift=shift("night"),
        )
        for i in range(rows // 2)
    )
    staff_ids = list(StaffMember.objects.values_list("pk", flat=True))
    course_type = ContentType.objects.get_for_model(CoursePage).pk
    _insert([(s, course_type, p.pk, None, TODAY) for s in staff_ids for p in pages])
    LessonProgress.objects.create(
        staff_id=staff_ids[0], lesson_id=pages[0].get_children().first().pk
    )
    item_kind_for(course_type)  # content types cached
    # One query for the rows with status, department, role and shift; one for the courses.
    with django_assert_num_queries(2):
        listed = list(assignments_for_departments(department_ids=[ward.pk], today=TODAY))
        seen = {
            (a.staff.department.code, a.staff.job_role.code, a.staff.shift.code, a.item.title)
            for a in listed
        }
        statuses = {a.progress_status for a in listed} | {
            assignment_status(a, TODAY) for a in listed
        }
    assert len(listed) == rows
    assert len(seen) == 2
    assert statuses == {"in_progress", "not_started"}


def test_insert_skips_assignments_that_already_exist():
    nurse, page = person(), course(lessons=0)
    course_type = ContentType.objects.get_for_model(CoursePage).pk
    assign(nurse, page, due_date=date(2026, 1, 1))
    other = course(lessons=0)
    _insert([(nurse.pk, course_type, p.pk, None, TODAY) for p in (page, other)])
    assert Assignment.objects.filter(staff=nurse).count() == 2
    assert Assignment.objects.get(object_id=page.pk).due_date == date(2026, 1, 1)


def test_the_course_kind_is_registered():
    kind = ITEM_KINDS["course"]
    assert kind.model is CoursePage
    assert item_kind_for(kind.content_type.pk) is kind
    live, draft = course(lessons=0), course(lessons=0)
    draft.unpublish()
    assert kind.assignable_ids([live.pk, draft.pk]) == {live.pk}
