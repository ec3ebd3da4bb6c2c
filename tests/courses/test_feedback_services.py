"""Feedback services: ratings (one per person and course), problem reports (no double
reports), resolve / reopen (trainers only, audited, idempotent)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from freezegun import freeze_time

from courses.models import CourseRating, ProblemReport
from courses.services.feedback import (
    course_rate,
    may_triage,
    problem_report_create,
    problem_report_reopen,
    problem_report_resolve,
)
from portal.accounts import roles
from portal.records.models import AuditEvent
from tests.courses.factories import course
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse():
    return person([roles.LEARNER])


@pytest.fixture
def trainer():
    return person([roles.LEARNER, roles.TRAINER]).user


def test_rating_is_saved_and_a_second_one_updates_it(nurse):
    page = course(lessons=0)
    rating, created = course_rate(staff=nurse, course=page, stars=2, comment="  too fast  ")
    assert created and rating.stars == 2 and rating.comment == "too fast"

    again, created = course_rate(staff=nurse, course=page, stars=5, comment="")
    assert not created and again.pk == rating.pk
    assert CourseRating.objects.get().stars == 5
    assert CourseRating.objects.get().comment == ""


def test_an_update_moves_the_rating_date(nurse):
    page = course(lessons=0)
    with freeze_time("2025-03-01 09:00"):
        course_rate(staff=nurse, course=page, stars=2)
    with freeze_time("2025-03-05 09:00"):
        course_rate(staff=nurse, course=page, stars=4, comment="better after the update")
    assert CourseRating.objects.get().created_at.date().isoformat() == "2025-03-05"


@pytest.mark.parametrize("stars", [0, 6, -1, "x", None, "3.5"])
def test_stars_outside_one_to_five_are_refused_and_nothing_is_saved(nurse, stars):
    page = course(lessons=0)
    with pytest.raises(ValidationError) as refused:
        course_rate(staff=nurse, course=page, stars=stars)
    assert refused.value.messages == ["Choose a rating from 1 to 5 stars."]
    assert not CourseRating.objects.exists()


def test_a_refused_update_keeps_the_previous_rating(nurse):
    page = course(lessons=0)
    course_rate(staff=nurse, course=page, stars=3, comment="ok")
    with pytest.raises(ValidationError):
        course_rate(staff=nurse, course=page, stars=9, comment="changed")
    rating = CourseRating.objects.get()
    assert (rating.stars, rating.comment) == (3, "ok")


def test_an_overlong_comment_is_refused(nurse):
    page = course(lessons=0)
    with pytest.raises(ValidationError, match="under 2000 characters"):
        course_rate(staff=nurse, course=page, stars=3, comment="x" * 2001)
    assert not CourseRating.objects.exists()


def test_each_person_has_their_own_rating(nurse):
    page = course(lessons=0)
    course_rate(staff=nurse, course=page, stars=1)
    course_rate(staff=person([roles.LEARNER]), course=page, stars=5)
    assert CourseRating.objects.filter(course=page).count() == 2


def test_a_problem_report_is_created(nurse):
    lesson = course(lessons=1).get_children().specific().get()
    report, created = problem_report_create(
        staff=nurse, lesson=lesson, text=" The screen no longer matches the system. "
    )
    assert created
    assert report.text == "The screen no longer matches the system."
    assert report.status == ProblemReport.Status.OPEN


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_report_is_refused(nurse, text):
    lesson = course(lessons=1).get_children().specific().get()
    with pytest.raises(ValidationError) as refused:
        problem_report_create(staff=nurse, lesson=lesson, text=text)
    assert refused.value.messages == ["Describe the problem before sending the report."]
    assert not ProblemReport.objects.exists()


def test_the_same_report_twice_within_a_minute_is_one_report(nurse):
    lesson = course(lessons=1).get_children().specific().get()
    with freeze_time("2025-03-01 09:00:00"):
        first, created = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    with freeze_time("2025-03-01 09:00:50"):
        second, again = problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen ")
    assert created and not again and first.pk == second.pk
    assert ProblemReport.objects.count() == 1


def test_the_same_text_after_a_minute_or_a_different_text_is_a_new_report(nurse):
    lesson = course(lessons=1).get_children().specific().get()
    with freeze_time("2025-03-01 09:00:00"):
        problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
        problem_report_create(staff=nurse, lesson=lesson, text="Step 3 is missing")
    with freeze_time("2025-03-01 09:01:30"):
        problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    assert ProblemReport.objects.count() == 3


def test_two_people_reporting_the_same_text_make_two_reports(nurse):
    lesson = course(lessons=1).get_children().specific().get()
    problem_report_create(staff=nurse, lesson=lesson, text="Wrong screen")
    problem_report_create(staff=person([roles.LEARNER]), lesson=lesson, text="Wrong screen")
    assert ProblemReport.objects.count() == 2


def _report(staff):
    lesson = course(lessons=1).get_children().specific().get()
    return problem_report_create(staff=staff, lesson=lesson, text="Wrong screen")[0]


def test_a_trainer_resolves_a_report_and_it_is_audited(nurse, trainer):
    report = _report(nurse)
    assert problem_report_resolve(
        actor=trainer, report=report, resolution=" Screenshots replaced. ", ip="10.0.0.5"
    )
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.RESOLVED
    assert report.resolution == "Screenshots replaced."
    assert report.resolved_by == trainer and report.resolved_at is not None
    event = AuditEvent.objects.get(action="feedback.report_resolve")
    assert event.actor_id == trainer.pk and event.object_id == str(report.pk)
    assert event.object_type == "courses.problemreport"
    assert event.before["status"] == "open" and event.after["status"] == "resolved"
    assert event.after["resolution"] == "Screenshots replaced." and event.ip == "10.0.0.5"


def test_resolving_twice_changes_nothing_the_second_time(nurse, trainer):
    report = _report(nurse)
    assert problem_report_resolve(actor=trainer, report=report, resolution="Fixed")
    assert not problem_report_resolve(actor=trainer, report=report, resolution="Other note")
    report.refresh_from_db()
    assert report.resolution == "Fixed"
    assert AuditEvent.objects.filter(action="feedback.report_resolve").count() == 1


def test_an_empty_resolution_note_is_refused(nurse, trainer):
    report = _report(nurse)
    with pytest.raises(ValidationError, match="Write what was done"):
        problem_report_resolve(actor=trainer, report=report, resolution="  ")
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.OPEN
    assert not AuditEvent.objects.filter(action__startswith="feedback.").exists()


def test_reopen_opens_a_resolved_report_again_and_is_audited(nurse, trainer):
    report = _report(nurse)
    problem_report_resolve(actor=trainer, report=report, resolution="Fixed")
    assert problem_report_reopen(actor=trainer, report=report)
    assert not problem_report_reopen(actor=trainer, report=report)
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.OPEN
    assert report.resolution == "" and report.resolved_by is None
    event = AuditEvent.objects.get(action="feedback.report_reopen")
    assert event.before["resolution"] == "Fixed" and event.after["status"] == "open"


@pytest.mark.parametrize(
    "role_names", [[roles.LEARNER], [roles.MANAGER], [roles.HR], [roles.AUDITOR]]
)
def test_only_trainers_and_superusers_resolve(nurse, role_names):
    report = _report(nurse)
    someone = UserFactory(roles=role_names)
    with pytest.raises(PermissionDenied):
        problem_report_resolve(actor=someone, report=report, resolution="Fixed")
    problem_report_resolve(actor=UserFactory(is_superuser=True), report=report, resolution="Fixed")
    with pytest.raises(PermissionDenied):
        problem_report_reopen(actor=someone, report=report)
    report.refresh_from_db()
    assert report.status == ProblemReport.Status.RESOLVED


def test_who_may_triage(trainer):
    assert may_triage(trainer)
    assert may_triage(UserFactory(is_superuser=True))
    assert not may_triage(UserFactory(roles=[roles.LEARNER, roles.HR]))
