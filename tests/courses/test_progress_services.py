"""Progress services: visits and time, explicit completion, course completion and assignments."""

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from freezegun import freeze_time

from courses.models import Assignment, CoursePage, CourseProgress, LessonProgress
from courses.selectors.progress import course_outline, course_resume_lesson
from courses.services import progress as services
from courses.services.progress import (
    MAX_REPORT_SECONDS,
    course_progress_refresh,
    item_complete,
    lesson_complete,
    lesson_visit,
)
from portal.records.models import AuditEvent
from tests.courses.factories import course, lesson
from tests.factories import person

pytestmark = pytest.mark.django_db


def lessons_of(page):
    return list(page.get_children().specific().order_by("path"))


def assign(staff, page, **fields):
    return Assignment.objects.create(
        staff=staff,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        **fields,
    )


def test_visit_records_the_lesson_and_where_to_resume():
    nurse, page = person(), course(lessons=2)
    first, second = lessons_of(page)
    lesson_visit(staff=nurse, lesson=second, seconds=30)
    progress = LessonProgress.objects.get(staff=nurse, lesson=second)
    assert progress.seconds_spent == 30
    assert progress.completed_at is None
    assert CourseProgress.objects.get(staff=nurse, course=page).last_lesson_id == second.pk
    lesson_visit(staff=nurse, lesson=first)
    assert CourseProgress.objects.get(staff=nurse, course=page).last_lesson_id == first.pk


def test_time_adds_up_and_a_single_report_is_capped():
    nurse, page = person(), course(lessons=1)
    (only,) = lessons_of(page)
    lesson_visit(staff=nurse, lesson=only, seconds=60)
    lesson_visit(staff=nurse, lesson=only, seconds=45)
    assert LessonProgress.objects.get().seconds_spent == 105
    lesson_visit(staff=nurse, lesson=only, seconds=8 * 3600)  # a tab left open all shift
    assert LessonProgress.objects.get().seconds_spent == 105 + MAX_REPORT_SECONDS
    lesson_visit(staff=nurse, lesson=only, seconds=-50)
    lesson_visit(staff=nurse, lesson=only, seconds="nonsense")
    assert LessonProgress.objects.get().seconds_spent == 105 + MAX_REPORT_SECONDS


def test_completion_is_idempotent_and_keeps_its_date():
    nurse, page = person(), course(lessons=2)
    first, _second = lessons_of(page)
    with freeze_time("2026-03-02 09:00"):
        lesson_complete(staff=nurse, lesson=first, seconds=120)
    with freeze_time("2026-03-05 16:00"):
        again = lesson_complete(staff=nurse, lesson=first, seconds=60)
    assert again.completed_at.date() == date(2026, 3, 2)
    assert LessonProgress.objects.count() == 1
    assert LessonProgress.objects.get().seconds_spent == 180  # the time still counts
    assert CourseProgress.objects.get().percent == 50


def test_course_completes_when_every_required_lesson_is_done():
    nurse, page = person(), course(lessons=3)
    first, second, third = lessons_of(page)
    lesson_complete(staff=nurse, lesson=first)
    assert CourseProgress.objects.get().percent == 33
    lesson_complete(staff=nurse, lesson=third)
    assert CourseProgress.objects.get().percent == 67
    assert CourseProgress.objects.get().completed_at is None
    with freeze_time("2026-04-01 10:00"):
        lesson_complete(staff=nurse, lesson=second)
    progress = CourseProgress.objects.get()
    assert progress.percent == 100
    assert progress.completed_at.date() == date(2026, 4, 1)


def test_optional_lessons_do_not_count():
    nurse, page = person(), course(lessons=3, required=[0, 1])
    first, second, optional = lessons_of(page)
    assert not optional.required
    lesson_complete(staff=nurse, lesson=optional)
    assert CourseProgress.objects.get().percent == 0
    lesson_complete(staff=nurse, lesson=first)
    lesson_complete(staff=nurse, lesson=second)
    assert CourseProgress.objects.get().completed_at is not None


def test_unpublished_lessons_do_not_count():
    nurse, page = person(), course(lessons=2)
    first, draft = lessons_of(page)
    draft.unpublish()
    lesson_complete(staff=nurse, lesson=first)
    progress = CourseProgress.objects.get()
    assert progress.percent == 100
    assert progress.completed_at is not None


def test_completion_is_kept_when_a_lesson_is_added_later():
    nurse, page = person(), course(lessons=1)
    lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    lesson(page)
    progress = course_progress_refresh(staff=nurse, course=page)
    assert progress.completed_at is not None
    assert progress.percent == 100


def test_a_course_without_lessons_is_not_complete():
    nurse, page = person(), course(lessons=0)
    progress = course_progress_refresh(staff=nurse, course=page)
    assert progress.percent == 0
    assert progress.completed_at is None


def test_completion_completes_the_active_assignment_only():
    nurse, colleague, page = person(), person(), course(lessons=1)
    other = course(lessons=1)
    mine = assign(nurse, page, due_date=date(2026, 5, 1))
    theirs = assign(colleague, page)
    unrelated = assign(nurse, other)
    with freeze_time("2026-04-20 08:30"):
        lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    mine.refresh_from_db()
    assert mine.completed_at.date() == date(2026, 4, 20)
    theirs.refresh_from_db()
    unrelated.refresh_from_db()
    assert theirs.completed_at is None
    assert unrelated.completed_at is None


def test_withdrawn_assignment_is_not_completed():
    nurse, page = person(), course(lessons=1)
    withdrawn = assign(nurse, page, status=Assignment.Status.WITHDRAWN)
    lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    withdrawn.refresh_from_db()
    assert withdrawn.completed_at is None


def test_assignment_made_after_completion_is_completed_on_refresh():
    nurse, page = person(), course(lessons=1)
    lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    later = assign(nurse, page)
    course_progress_refresh(staff=nurse, course=page)
    later.refresh_from_db()
    assert later.completed_at == CourseProgress.objects.get().completed_at


def test_course_completion_is_audited_once():
    nurse, page = person(), course(lessons=1)
    (only,) = lessons_of(page)
    lesson_complete(staff=nurse, lesson=only)
    lesson_complete(staff=nurse, lesson=only)
    course_progress_refresh(staff=nurse, course=page)
    events = AuditEvent.objects.filter(action="course.complete")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == str(page.pk)
    assert event.actor_id == nurse.user_id
    assert event.after["employee_no"] == nurse.employee_no


def test_extra_requirement_hook_holds_completion_back(monkeypatch):
    nurse, page = person(), course(lessons=1)
    exam_passed = {"value": False}
    monkeypatch.setattr(services, "COURSE_COMPLETION_REQUIREMENTS", [])
    services.course_requirement_register(lambda *, staff, course: exam_passed["value"])
    lesson_complete(staff=nurse, lesson=lessons_of(page)[0])
    progress = CourseProgress.objects.get()
    assert progress.completed_at is None
    assert progress.percent == 99
    exam_passed["value"] = True
    assert course_progress_refresh(staff=nurse, course=page).completed_at is not None


def test_no_staff_record_records_nothing():
    page = course(lessons=1)
    (only,) = lessons_of(page)
    assert lesson_visit(staff=None, lesson=only, seconds=10) is None
    assert lesson_complete(staff=None, lesson=only) is None
    assert course_progress_refresh(staff=None, course=page) is None
    assert item_complete(staff=None, content_type=1, object_id=1) == 0
    assert not LessonProgress.objects.exists()
    assert not CourseProgress.objects.exists()


def test_item_complete_marks_the_assignment_once():
    nurse, page = person(), course(lessons=1)
    assignment = assign(nurse, page)
    content_type = ContentType.objects.get_for_model(CoursePage)
    with freeze_time("2026-06-01 10:00"):
        assert item_complete(staff=nurse, content_type=content_type, object_id=page.pk) == 1
    with freeze_time("2026-06-02 10:00"):
        assert item_complete(staff=nurse, content_type=content_type.pk, object_id=page.pk) == 0
    assignment.refresh_from_db()
    assert assignment.completed_at.date() == date(2026, 6, 1)
    assert AuditEvent.objects.filter(action="item.complete").count() == 1


def test_resume_goes_to_the_last_unfinished_lesson_visited():
    nurse, page = person(), course(lessons=3)
    first, second, third = lessons_of(page)
    assert course_resume_lesson(staff=nurse, course=page).pk == first.pk  # nothing done yet
    lesson_visit(staff=nurse, lesson=third)
    assert course_resume_lesson(staff=nurse, course=page).pk == third.pk
    lesson_complete(staff=nurse, lesson=third)
    # The last lesson is done: the first unfinished required one.
    assert course_resume_lesson(staff=nurse, course=page).pk == first.pk
    lesson_complete(staff=nurse, lesson=first)
    lesson_complete(staff=nurse, lesson=second)
    assert course_resume_lesson(staff=nurse, course=page) is None


def test_resume_skips_optional_and_unpublished_lessons():
    nurse, page = person(), course(lessons=3, required=[1, 2])
    optional, draft, required = lessons_of(page)
    draft.unpublish()
    assert course_resume_lesson(staff=nurse, course=page).pk == required.pk
    lesson_visit(staff=nurse, lesson=optional)  # an optional lesson visited is resumed too
    assert course_resume_lesson(staff=nurse, course=page).pk == optional.pk


def test_outline_ticks_and_percent():
    nurse, page = person(), course(lessons=2)
    first, second = lessons_of(page)
    outline = course_outline(staff=nurse, course=page)
    assert outline.state == "not_started"
    assert [row.done for row in outline.lessons] == [False, False]
    lesson_complete(staff=nurse, lesson=first)
    outline = course_outline(staff=nurse, course=page)
    assert outline.state == "in_progress"
    assert (outline.percent, outline.required_done, outline.required_total) == (50, 1, 2)
    assert [row.done for row in outline.lessons] == [True, False]
    assert [row.resume for row in outline.lessons] == [False, True]
    lesson_complete(staff=nurse, lesson=second)
    assert course_outline(staff=nurse, course=page).state == "done"
    anonymous = course_outline(staff=None, course=page)
    assert not anonymous.tracked
    assert [row.done for row in anonymous.lessons] == [False, False]
