"""`manage.py demo` builds the whole demo hospital and is safe to run again."""

import pytest
from django.core.management import call_command

from assessments.models import Attempt, Question
from courses.models import Assignment, ClassroomSession, CoursePage, CourseRating, LessonProgress
from portal.org.models import StaffMember


@pytest.mark.django_db
def test_demo_builds_everything_and_runs_again_without_doubling(capsys):
    call_command("demo")
    counts = [
        StaffMember.objects.count(),
        CoursePage.objects.live().count(),
        Assignment.objects.count(),
        ClassroomSession.objects.count(),
        CourseRating.objects.count(),
        Question.objects.count(),
        Attempt.objects.count(),
    ]
    assert counts[0] > 250 and counts[1] >= 9 and counts[2] > 500
    assert counts[3] > 0 and counts[4] > 0
    assert counts[5] >= 80 and counts[6] > 0
    assert LessonProgress.objects.filter(completed_at__isnull=False).exists()
    assert Assignment.objects.filter(completed_at__isnull=True, due_date__isnull=False).exists()

    call_command("demo")
    assert counts == [
        StaffMember.objects.count(),
        CoursePage.objects.live().count(),
        Assignment.objects.count(),
        ClassroomSession.objects.count(),
        CourseRating.objects.count(),
        Question.objects.count(),
        Attempt.objects.count(),
    ]
    assert "learner-nurse@readyline.example" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_readiness_has_history_and_a_decision():
    from django.utils import timezone

    from portal.readiness import evaluation, snapshots
    from portal.readiness.models import Decision, Snapshot, Wave

    call_command("demo")
    waves = list(Wave.objects.order_by("go_live_date"))
    assert len(waves) == 2
    decision = Decision.objects.get()
    assert decision.wave == waves[0] and decision.outcome == "conditions"
    assert waves[0].status == "live" and waves[1].status == "training"
    assert decision.conditions.count() == 2 and decision.signoffs.count() == 3
    assert decision.decided_at.date() < waves[0].go_live_date
    assert waves[0].evaluations.count() == 4
    days = Snapshot.objects.filter(wave=waves[1]).values("day").distinct().count()
    assert days == 31
    trend = snapshots.coverage_trend(wave=waves[1])
    assert trend.projected_at_go_live is not None
    # Every department of wave 2 is evaluated, some green, some amber, some red.
    departments = evaluation.wave_readiness(wave=waves[1], today=timezone.localdate()).departments
    assert len(departments) >= 5 and {d.rag for d in departments} == {"green", "amber", "red"}
    before = Snapshot.objects.count()
    call_command("demo")
    assert Snapshot.objects.count() == before and Decision.objects.count() == 1
