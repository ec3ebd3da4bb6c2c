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
