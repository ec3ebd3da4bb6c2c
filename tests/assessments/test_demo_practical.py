"""The practical exams of the demo hospital: the starter pack loaded, one practical exam per
role in the curricula, attempts from the starter solutions graded as their files expect, the
nurses' rubric with assigned and scored candidates, and a second run that creates nothing."""

import pytest
from django.db import transaction

from assessments.demo import build_exams
from assessments.demo_practical import EXAMS, STATION, build_practical
from assessments.models import Attempt, Exam, ExaminerAssignment, RubricScore, Scenario
from courses.demo_content import build_courses
from courses.demo_learning import build_learning
from courses.models import Assignment
from portal.demo.hospital import build_hospital


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        build_hospital()
        build_courses()
        build_learning()
        build_exams()
        yield build_practical()
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return demo_built


def test_every_role_has_a_practical_exam_on_a_starter_scenario(demo):
    assert Scenario.objects.count() == demo["scenarios"] >= 8
    for role, (slug, title, _zh, assessed_by) in EXAMS.items():
        exam = Exam.objects.get(title=title)
        assert exam.kind == Exam.Kind.PRACTICAL and exam.scenario.slug == slug
        assert exam.assessed_by == assessed_by and exam.published
        # In the role's curriculum: the role's staff are assigned it.
        assert Assignment.objects.filter(
            object_id=exam.pk, content_type__model="exam", staff__job_role__code=role
        ).exists()


def test_demo_attempts_pass_on_reference_and_fail_on_flawed_solutions(demo):
    finished = Attempt.objects.filter(
        exam__kind=Exam.Kind.PRACTICAL, state="finished", scenario_version__isnull=False
    )
    assert finished.count() == demo["practical_attempts"] > 20
    results = [a.simulation for a in finished]
    assert any(r["passed"] for r in results) and any(not r["passed"] for r in results)
    assert any(r["critical_failures"] for r in results)
    assert all(a.actions.exists() for a in finished)


def test_the_nurse_exam_has_examiner_assignments_and_scores(demo):
    nurse_exam = Exam.objects.get(title=EXAMS["nurse"][1])
    assigned = ExaminerAssignment.objects.filter(exam=nurse_exam)
    assert assigned.count() >= 2
    scored = RubricScore.objects.filter(attempt__exam=nurse_exam)
    assert scored.exists()
    waiting = Attempt.objects.filter(exam=nurse_exam, state="finished", rubric_score=None)
    assert waiting.filter(needs_grading=True).exists()  # the examiner's list has work


def test_the_osce_station_has_scored_and_waiting_candidates(demo):
    station = Exam.objects.get(title=STATION[0])
    assert station.assessed_by == Exam.AssessedBy.RUBRIC
    assert ExaminerAssignment.objects.filter(exam=station).count() == 5
    scored = Attempt.objects.filter(exam=station, state="finished", finished_by="examiner")
    assert scored.count() == demo["station_scored"] == 3
    assert all(a.percent is not None for a in scored)


def test_learner_nurse_has_the_practical_exam_to_take(demo):
    nurse_exam = Exam.objects.get(title=EXAMS["nurse"][1])
    assert not Attempt.objects.filter(
        exam=nurse_exam, staff__user__email="learner-nurse@readyline.example"
    ).exists()


def test_a_second_run_creates_nothing(demo):
    again = build_practical()
    assert again["practical_exams"] == 0 and again["practical_attempts"] == 0
    assert again["practical_curriculum_items"] == 0 and again["examiner_assignments"] == 0
    assert again["station_scored"] == 0
