"""Certification tracks and evidence for tests: attempts and course completions written with
the ORM at chosen moments (the exam and course services are tested on their own)."""

from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone

from assessments.models import Attempt, CertificationTrack, Exam
from courses.models import CourseProgress
from tests.assessments.factories import exam as exam_factory
from tests.courses.factories import course as course_factory
from tests.factories import job_role

_counter = {"n": 0}


def at(day, hour=10) -> datetime:
    """A local moment on a date (a `date` or 'YYYY-MM-DD')."""
    if isinstance(day, str):
        day = datetime.strptime(day, "%Y-%m-%d").date()
    return timezone.make_aware(datetime.combine(day, time(hour)))


def track(*, role="cashier", courses=1, knowledge=True, practical=True, **fields):
    """An active track for a job role with `courses` new required courses and new exams."""
    _counter["n"] += 1
    n = _counter["n"]
    fields.setdefault("code", f"track-{n}")
    fields.setdefault("name", f"Track {n}")
    fields.setdefault("name_zh", f"认证{n}")
    if knowledge and "knowledge_exam" not in fields:
        fields["knowledge_exam"] = exam_factory(title=f"Knowledge {n}")
    if practical and "practical_exam" not in fields:
        fields["practical_exam"] = exam_factory(title=f"Practical {n}", kind=Exam.Kind.PRACTICAL)
    t = CertificationTrack.objects.create(job_role=job_role(role), **fields)
    t.required_courses.set([course_factory(roles=(role,), lessons=1) for _ in range(courses)])
    return t


def attempt(exam, staff, *, when, percent=90, passed=None, critical=(), efficiency=None, **kw):
    """A finished, graded attempt at `when` (a datetime or a date string)."""
    when = at(when) if isinstance(when, str) else when
    number = Attempt.objects.filter(exam=exam, staff=staff).count() + 1
    passed = percent >= exam.pass_mark_percent if passed is None else passed
    simulation = None
    if exam.is_practical:
        simulation = {
            "score": percent,
            "critical_failures": list(critical),
            "efficiency": efficiency,
        }
    return Attempt.objects.create(
        exam=exam,
        staff=staff,
        number=number,
        state=Attempt.State.FINISHED,
        started_at=when - timezone.timedelta(minutes=20),
        finished_at=when,
        finished_by="learner",
        percent=None if percent is None else Decimal(str(percent)),
        marks=None if percent is None else Decimal(str(percent)),
        max_marks=100,
        passed=None if percent is None else passed and not critical,
        needs_grading=percent is None,
        simulation=simulation,
        **kw,
    )


def complete_course(staff, course, *, when) -> CourseProgress:
    when = at(when) if isinstance(when, str) else when
    progress, _created = CourseProgress.objects.update_or_create(
        staff=staff, course=course, defaults={"percent": 100, "completed_at": when}
    )
    return progress


def certify(staff, t: CertificationTrack, *, when="2026-01-10", percent=90):
    """Every requirement of the track met on `when` (courses a day earlier)."""
    day = at(when)
    for c in t.required_courses.all():
        complete_course(staff, c, when=day - timezone.timedelta(days=1))
    if t.knowledge_exam:
        attempt(t.knowledge_exam, staff, when=day - timezone.timedelta(hours=2), percent=percent)
    if t.practical_exam:
        attempt(t.practical_exam, staff, when=day, percent=percent, efficiency=1.0)
