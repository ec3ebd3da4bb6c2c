"""Assignment counts on the staff rows (courses.services.assignment_counts): written by the
services that change assignments, equal to a count of the assignments themselves, still right
on a later day when nothing fell due, marked stale when something did, and left alone by an
ordinary save of the person."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from freezegun import freeze_time

from courses.models import Assignment, CoursePage
from courses.selectors.assignment_counts import stale
from courses.services.assignment_counts import assignment_counts_daily, assignment_counts_refresh
from courses.services.enrolment import assignments_recompute
from courses.services.progress import item_complete, lesson_complete
from courses.tasks.enrolment import assignment_counts_daily_task
from portal.org.models import StaffMember
from tests.courses.factories import course
from tests.courses.test_enrolment_engine import Rule, curriculum, staff

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 10)


def counted(member) -> tuple:
    member = StaffMember.objects.get(pk=member.pk)
    return tuple(getattr(member, name) for name in StaffMember.COUNTED)


def live(member, today) -> tuple[int, int]:
    """The same figures counted from the assignments one by one."""
    rows = [a for a in Assignment.objects.filter(staff=member) if a.status == "active"]
    late = [a for a in rows if a.completed_at is None and a.due_date and a.due_date < today]
    return len(rows), len(late)


def lessons_of(page):
    return list(page.get_children().specific().order_by("path"))


@freeze_time("2026-05-10 09:00")
def test_enrolment_counts_what_it_assigns_and_withdraws():
    late, soon, undated = course(lessons=1), course(lessons=0), course(lessons=0)
    curriculum(
        items=[
            (late, Rule.FIXED, DAY - timedelta(days=3)),
            (soon, Rule.FIXED, DAY + timedelta(days=4)),
            (undated, Rule.BEFORE_GO_LIVE, 5),  # no go-live date: no due date
        ]
    )
    nurse, cashier = staff(), staff(role="cashier")
    assignments_recompute()
    assert counted(nurse) == (3, 1, DAY, DAY + timedelta(days=4))
    assert counted(nurse)[:2] == live(nurse, DAY)
    assert counted(cashier) == (0, 0, None, None)  # owes nothing: never written
    # Completing the overdue course takes it off the count at once.
    lesson_complete(staff=nurse, lesson=lessons_of(late)[0])
    assert counted(nurse)[:2] == (3, 0) == live(nurse, DAY)
    # Leaving withdraws everything: nothing active is counted.
    StaffMember.objects.filter(pk=nurse.pk).update(active=False)
    assignments_recompute(staff_ids=[nurse.pk])
    assert counted(nurse)[:2] == (0, 0) == live(nurse, DAY)
    assert assignment_counts_refresh() == 0  # idempotent: nothing left to change


@freeze_time("2026-05-10 09:00")
def test_an_item_completed_comes_off_the_overdue_count():
    page = course(lessons=0)
    nurse = staff()
    ct = ContentType.objects.get_for_model(CoursePage)
    Assignment.objects.create(
        staff=nurse, content_type=ct, object_id=page.pk, due_date=DAY - timedelta(days=1)
    )
    assignment_counts_refresh(staff_ids=[nurse.pk])
    assert counted(nurse)[:2] == (1, 1)
    assert item_complete(staff=nurse, content_type=ct, object_id=page.pk) == 1
    assert counted(nurse)[:2] == (1, 0)


def test_counts_hold_until_an_open_assignment_falls_due_and_the_daily_run_recounts():
    page, other = course(lessons=0), course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, date(2026, 5, 12)), (other, Rule.FIXED, date(2026, 6, 1))])
    nurse = staff()
    with freeze_time("2026-05-10 09:00"):
        assignments_recompute()
    assert counted(nurse) == (2, 0, DAY, date(2026, 5, 12))
    fresh = StaffMember.objects.filter(pk=nurse.pk).exclude(stale(date(2026, 5, 12)))
    assert fresh.exists()  # due on the 12th: not overdue on the 12th
    assert StaffMember.objects.filter(stale(date(2026, 5, 13)), pk=nurse.pk).exists()
    assert StaffMember.objects.filter(stale(date(2026, 5, 9)), pk=nurse.pk).exists()  # earlier
    with freeze_time("2026-05-13 00:10"):
        assert assignment_counts_daily() == 1
        assert assignment_counts_daily() == 0
    assert counted(nurse) == (2, 1, date(2026, 5, 13), date(2026, 6, 1))
    assert counted(nurse)[:2] == live(nurse, date(2026, 5, 13))


def test_the_daily_recount_is_on_the_beat_and_runs_as_a_task():
    entry = settings.CELERY_BEAT_SCHEDULE["assignment-counts-daily"]
    assert entry["task"] == "courses.tasks.enrolment.assignment_counts_daily_task"
    page = course(lessons=0)
    nurse = staff()
    ct = ContentType.objects.get_for_model(CoursePage)
    with freeze_time("2026-05-01 09:00"):
        Assignment.objects.create(
            staff=nurse, content_type=ct, object_id=page.pk, due_date=date(2026, 5, 5)
        )
        assignment_counts_refresh(staff_ids=[nurse.pk])
    with freeze_time("2026-05-10 00:10"):
        assert assignment_counts_daily_task.delay().get() == 1
    assert counted(nurse)[:2] == (1, 1)


@freeze_time("2026-05-10 09:00")
def test_a_save_of_the_person_does_not_write_back_old_counts():
    page = course(lessons=0)
    curriculum(items=[(page, Rule.FIXED, DAY - timedelta(days=1))])
    nurse = staff()
    loaded = StaffMember.objects.get(pk=nurse.pk)  # read before the counts are made
    assignments_recompute()
    loaded.full_name = "Renamed"
    loaded.save()
    assert counted(nurse)[:2] == (1, 1)
    assert StaffMember.objects.get(pk=nurse.pk).full_name == "Renamed"
