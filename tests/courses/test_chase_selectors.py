"""The chase list's status rule, scope and summary (courses/selectors/chase.py)."""

from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from courses.models import Assignment, CoursePage, CourseProgress, LessonProgress
from courses.selectors import chase
from portal.accounts import roles
from tests.courses.factories import course
from tests.factories import DepartmentFactory, StaffFactory, job_role, person, shift

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 12)


def assign(staff, page, due=None, completed=False, status=Assignment.Status.ACTIVE):
    return Assignment.objects.create(
        staff=staff,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        due_date=due,
        completed_at=timezone.now() if completed else None,
        status=status,
    )


def statuses(scope=None, **filters):
    rows = chase.chase_rows(
        chase.chase_assignments(scope=scope, today=TODAY, **filters), status=chase.ALL
    )
    return {(row.staff.full_name, row.object_id): row.progress_status for row in rows}


def test_status_rule():
    page = course(lessons=2)
    lesson = page.get_children().first()
    past, future = TODAY - timedelta(days=1), TODAY + timedelta(days=10)
    done = StaffFactory(full_name="done")
    late = StaffFactory(full_name="late")
    late_started = StaffFactory(full_name="late started")
    opened = StaffFactory(full_name="opened a lesson")
    percent = StaffFactory(full_name="course percent")
    fresh = StaffFactory(full_name="fresh")
    undated = StaffFactory(full_name="undated")
    assign(done, page, due=past, completed=True)
    assign(late, page, due=past)
    assign(late_started, page, due=past)
    LessonProgress.objects.create(staff=late_started, lesson_id=lesson.pk)
    assign(opened, page, due=future)
    LessonProgress.objects.create(staff=opened, lesson_id=lesson.pk)
    assign(percent, page, due=future)
    CourseProgress.objects.create(staff=percent, course=page, percent=50)
    assign(fresh, page, due=future)
    CourseProgress.objects.create(staff=fresh, course=page, percent=0)
    assign(undated, page)

    assert statuses() == {
        ("done", page.pk): "done",
        ("late", page.pk): "overdue",
        ("late started", page.pk): "overdue",
        ("opened a lesson", page.pk): "in_progress",
        ("course percent", page.pk): "in_progress",
        ("fresh", page.pk): "not_started",
        ("undated", page.pk): "not_started",
    }
    percents = {
        row.staff.full_name: row.chase_percent
        for row in chase.chase_assignments(scope=None, today=TODAY).select_related("staff")
    }
    assert percents["done"] == 100
    assert percents["course percent"] == 50
    assert percents["fresh"] == 0


def test_lesson_of_another_course_does_not_start_this_one():
    mine, other = course(lessons=1), course(lessons=1)
    member = StaffFactory(full_name="n")
    assign(member, mine, due=TODAY + timedelta(days=3))
    LessonProgress.objects.create(staff=member, lesson_id=other.get_children().first().pk)
    assert statuses() == {("n", mine.pk): "not_started"}


def test_withdrawn_assignments_and_inactive_staff_are_left_out():
    page = course(lessons=1)
    assign(StaffFactory(full_name="withdrawn"), page, status=Assignment.Status.WITHDRAWN)
    assign(StaffFactory(full_name="left", active=False), page)
    assign(StaffFactory(full_name="here"), page)
    assert list(statuses()) == [("here", page.pk)]


def test_default_filter_is_overdue_or_not_started_overdue_first():
    page, other = course(lessons=1), course(lessons=1)
    a, b, c = (StaffFactory(full_name=n) for n in ("a", "b", "c"))
    assign(a, page, due=TODAY + timedelta(days=5))
    assign(b, page, due=TODAY - timedelta(days=5))
    assign(c, page, due=TODAY - timedelta(days=1), completed=True)
    assign(c, other, due=TODAY + timedelta(days=5))
    CourseProgress.objects.create(staff=c, course=other, percent=10)
    rows = chase.chase_rows(chase.chase_assignments(scope=None, today=TODAY))
    assert [(r.staff.full_name, r.progress_status) for r in rows] == [
        ("b", "overdue"),
        ("a", "not_started"),
    ]
    rows = chase.chase_rows(chase.chase_assignments(scope=None, today=TODAY), status=chase.ALL)
    assert [r.progress_status for r in rows] == ["overdue", "not_started", "in_progress", "done"]
    only_done = chase.chase_rows(chase.chase_assignments(scope=None, today=TODAY), status="done")
    assert [r.staff.full_name for r in only_done] == ["c"]


def test_manager_scope_is_own_departments_and_their_subtree(role_groups):
    ed = DepartmentFactory(code="ED")
    obs = DepartmentFactory(code="ED-OBS", parent=ed)
    card = DepartmentFactory(code="CARD")
    manager = person([roles.MANAGER], department=ed)
    manager.managed_departments.add(ed)
    page = course(lessons=1)
    for name, department in [("ed", ed), ("obs", obs), ("card", card)]:
        assign(StaffFactory(full_name=name, department=department), page)

    scope = chase.chase_scope(viewer=manager.user)
    assert scope == {ed.pk, obs.pk}
    assert {name for name, _ in statuses(scope)} == {"ed", "obs"}
    assert {name for name, _ in statuses(scope, department_id=obs.pk)} == {"obs"}
    # Another department's id in the filter reaches nobody.
    assert statuses(scope, department_id=card.pk) == {}
    # HR and administrators see every department.
    assert chase.chase_scope(viewer=person([roles.HR]).user) is None
    assert chase.chase_scope(viewer=person([roles.LEARNER]).user) == set()


def test_role_and_shift_filters():
    page = course(lessons=1)
    assign(StaffFactory(full_name="night nurse", shift=shift("night")), page)
    assign(StaffFactory(full_name="day nurse", shift=shift("day")), page)
    assign(StaffFactory(full_name="day doctor", job_role=job_role("doctor")), page)
    assert {n for n, _ in statuses(shift_id=shift("night").pk)} == {"night nurse"}
    assert {n for n, _ in statuses(job_role_id=job_role("doctor").pk)} == {"day doctor"}
    assert {n for n, _ in statuses(job_role_id=job_role("nurse").pk, shift_id=shift("day").pk)} == {
        "day nurse"
    }


def test_summary_counts_per_department():
    ed, card = DepartmentFactory(code="ED", name="Emergency"), DepartmentFactory(code="CARD")
    page = course(lessons=1)
    assign(StaffFactory(department=ed), page, due=TODAY - timedelta(days=1))
    assign(StaffFactory(department=ed), page, due=TODAY - timedelta(days=2))
    assign(StaffFactory(department=ed), page, completed=True)
    assign(StaffFactory(department=card), page)
    summary = chase.chase_summary(chase.chase_assignments(scope=None, today=TODAY))
    assert [(d.code, d.counts) for d in summary] == [
        ("ED", {"overdue": 2, "not_started": 0, "in_progress": 0, "done": 1}),
        ("CARD", {"overdue": 0, "not_started": 1, "in_progress": 0, "done": 0}),
    ]
    data = chase.chart_data(summary, limit=1)
    assert data["labels"] == ["Emergency"]
    assert data["more"] == 1
    assert {s["key"]: s["data"] for s in data["series"]}["overdue"] == [2]


def test_item_titles_in_both_languages(django_assert_num_queries):
    first = course(title="Barcode medication administration", title_zh="扫码给药", lessons=0)
    second = course(title="HIS basics", lessons=0)
    course_type = ContentType.objects.get_for_model(CoursePage).pk
    ContentType.objects.get_for_id(course_type)  # cached, as in a running process
    with django_assert_num_queries(1):
        titles = chase.item_titles([(course_type, first.pk), (course_type, second.pk)])
    with translation.override("zh-hans"):
        assert titles[(course_type, first.pk)].label == "扫码给药"
        assert titles[(course_type, second.pk)].label == "HIS basics"
    assert titles[(course_type, first.pk)].label == "Barcode medication administration"
    assert chase.item_title(titles, course_type, 999999).label == "#999999"
