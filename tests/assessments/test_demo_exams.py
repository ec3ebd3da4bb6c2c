"""The exams part of the demo hospital: a bilingual bank per role whose keys grade right, one
exam per role in the curricula, assignments, attempts in every state, and a second run that
creates nothing."""

import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from assessments import demo_bank as bank
from assessments.demo import TRAINER_EMAIL, _response, build_exams
from assessments.grading import response_fraction
from assessments.models import (
    Attempt,
    AttemptQuestion,
    Exam,
    ExamSlot,
    Question,
    QuestionAnswer,
    QuestionCategory,
    QuestionVersion,
)
from assessments.services.attempts import exam_availability
from courses.demo_content import build_courses
from courses.demo_learning import CURRICULA, build_learning
from courses.models import Assignment, Curriculum, CurriculumItem
from portal.demo.hospital import build_hospital
from portal.org.models import StaffMember

ROLES = ("doctor", "nurse", "cashier", "admin")
FINISHED = Attempt.State.FINISHED


@pytest.fixture(scope="module")
def demo_built(django_db_setup, django_db_blocker):
    """The whole demo (hospital, courses, learning, exams) built once for the module, in a
    transaction rolled back at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_hospital()
        build_courses()
        build_learning()
        yield build_exams()
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_built):
    return demo_built


def exam_of(role: str) -> Exam:
    spec = next(s for s in bank.EXAMS if s.role == role)
    return Exam.objects.get(title=spec.title)


def staff(email_local: str) -> StaffMember:
    return StaffMember.objects.get(user__email=f"{email_local}@readyline.example")


def test_first_build_creates_the_bank_exams_and_attempts(demo):
    assert demo["exams"] == 4 and demo["curriculum_items"] == 4
    assert demo["questions"] == sum(len(items) for items in bank.QUESTIONS.values())
    assert demo["attempts"] > 40 and demo["in_progress"] >= 8


def test_at_least_20_bilingual_questions_per_role_of_every_type(demo):
    for role in ROLES:
        questions = Question.objects.filter(job_roles__code=role, idnumber__startswith="demo-")
        assert questions.count() >= 20, role
        qtypes = list(questions.values_list("qtype", flat=True))
        assert {"single", "multiple", "truefalse", "shortanswer", "numerical", "matching"} <= set(
            qtypes
        ), role
        assert qtypes.count("essay") == 1, role
        assert qtypes.count("single") > len(qtypes) / 3, role
        assert all(q.category.path.startswith("Demo hospital/") for q in questions)
        for question in questions.prefetch_related("answers"):
            assert question.text_zh and question.general_feedback_zh, question.idnumber
            assert question.versions.count() == 1, question.idnumber
            for answer in question.answers.all():
                assert answer.text_zh or not answer.text, question.idnumber
                assert answer.feedback_zh or not answer.feedback, question.idnumber
                assert answer.match_zh or not answer.match, question.idnumber
        negative = QuestionAnswer.objects.filter(
            question__in=questions, question__qtype="multiple", fraction__lt=0
        )
        assert negative.exists(), role
    assert QuestionCategory.objects.filter(name="Nurse", parent__name="Demo hospital").exists()


def test_every_key_grades_its_right_answer_full_and_a_wrong_one_less(demo):
    """The data is consistent: the learner simulation's right answer scores 1 for every
    question (short-answer patterns, numerical values, matching pairs), a wrong one less."""
    rng = random.Random(1)
    versions = QuestionVersion.objects.filter(question__idnumber__startswith="demo-")
    for version in versions.select_related("question"):
        content, role = version.content, version.question.idnumber.split("-")[1]
        right = response_fraction(content, _response(content, True, rng, role))
        wrong = response_fraction(content, _response(content, False, rng, role))
        if content["qtype"] == "essay":
            assert right is None and wrong is None
            continue
        assert right == pytest.approx(1.0, abs=1e-6), version.question.idnumber
        assert wrong < 0.9, version.question.idnumber


def test_one_exam_per_role_in_its_curriculum_with_the_agreed_rules(demo):
    exam_type = ContentType.objects.get_for_model(Exam)
    for code, name, _zh in CURRICULA:
        curriculum = Curriculum.objects.get(job_role__code=code, name=name)
        items = CurriculumItem.objects.filter(curriculum=curriculum, content_type=exam_type)
        assert items.count() == 1, code
        item = items.get()
        assert item.due_rule == CurriculumItem.DueRule.BEFORE_GO_LIVE and item.due_days
        exam = Exam.objects.get(pk=item.object_id)
        assert exam == exam_of(code)
        assert exam.published and exam.title_zh and exam.intro_zh
        assert 20 <= exam.time_limit_minutes <= 30
        assert exam.pass_mark_percent == 80 and exam.max_attempts == 3
        assert exam.cooldown_minutes == 60
        assert exam.review_policy == Exam.ReviewPolicy.IMMEDIATELY
        assert list(exam.trainers.values_list("email", flat=True)) == [TRAINER_EMAIL]
        slots = ExamSlot.objects.filter(exam=exam)
        fixed = slots.filter(question__isnull=False).count()
        drawn = sum(s.count for s in slots.filter(category__isnull=False))
        assert fixed and drawn and 10 <= fixed + drawn <= 15, code
        sizes = {a.questions.count() for a in exam.attempts.all()}
        assert sizes == {fixed + drawn}, code


def test_nurses_are_assigned_the_exam_and_the_demo_nurse_can_take_it(demo):
    exam = exam_of("nurse")
    exam_type = ContentType.objects.get_for_model(Exam)
    nurses = StaffMember.objects.filter(job_role__code="nurse", active=True)
    assigned = Assignment.objects.filter(
        content_type=exam_type, object_id=exam.pk, status=Assignment.Status.ACTIVE
    )
    assert assigned.count() == nurses.count() > 100
    assert assigned.filter(due_date__isnull=False).count() == assigned.count()

    nurse = staff("learner-nurse")
    assert not Attempt.objects.filter(staff=nurse).exists()
    availability = exam_availability(exam=exam, staff=nurse)
    assert availability.can_start and availability.attempts_left == 3
    assert not assigned.get(staff=nurse).completed_at


def test_attempts_in_every_state_for_every_role(demo):
    now = timezone.now()
    for role in ROLES:
        attempts = Attempt.objects.filter(exam=exam_of(role))
        finished = attempts.filter(state=FINISHED)
        assert finished.filter(passed=True).exists(), role
        assert finished.filter(passed=False).exists(), role
        assert finished.filter(needs_grading=True, passed__isnull=True).exists(), role
        in_progress = attempts.filter(state=Attempt.State.IN_PROGRESS)
        assert in_progress.count() >= 2, role
        for attempt in in_progress:
            assert attempt.deadline > now, role
            assert attempt.questions.filter(response__isnull=False).exists(), role
        pairs = [
            staff_id
            for staff_id in finished.filter(number=2, passed=True).values_list("staff", flat=True)
            if finished.filter(staff_id=staff_id, number=1, passed=False).exists()
        ]
        assert pairs, role


def test_a_pass_completes_the_assignment_and_essays_wait_for_the_trainer(demo):
    exam_type = ContentType.objects.get_for_model(Exam)
    passed = Attempt.objects.filter(passed=True).select_related("staff")
    assert passed.exists()
    for attempt in passed:
        assignment = Assignment.objects.get(
            staff=attempt.staff, content_type=exam_type, object_id=attempt.exam_id
        )
        assert assignment.completed_at, attempt
    graded = AttemptQuestion.objects.filter(graded_by__email=TRAINER_EMAIL)
    assert graded.exists() and all(aq.grader_comment for aq in graded)
    waiting = AttemptQuestion.objects.filter(
        needs_grading=True, attempt__exam__trainers__email=TRAINER_EMAIL
    )
    assert {aq.attempt.exam.title for aq in waiting} == {s.title for s in bank.EXAMS}


def test_demo_logins_have_their_story(demo):
    manager = Attempt.objects.get(staff=staff("manager"), exam=exam_of("nurse"))
    assert manager.passed
    doctor = exam_availability(exam=exam_of("doctor"), staff=staff("learner-doctor"))
    assert doctor.attempts_used == 1 and not doctor.passed and doctor.can_start
    cashier = Attempt.objects.get(staff=staff("learner-cashier"), exam=exam_of("cashier"))
    assert cashier.passed
    lead = Attempt.objects.get(staff=staff("rollout-lead"), exam=exam_of("admin"))
    assert lead.needs_grading and lead.passed is None
    assert not Attempt.objects.filter(staff=staff("trainer")).exists()


def test_a_second_run_creates_nothing(demo):
    models = [
        QuestionCategory,
        Question,
        QuestionAnswer,
        QuestionVersion,
        Exam,
        ExamSlot,
        CurriculumItem,
        Assignment,
        Attempt,
        AttemptQuestion,
    ]
    before = [m.objects.count() for m in models]
    answer_ids = set(QuestionAnswer.objects.values_list("pk", flat=True))

    again = build_exams()

    assert set(again.values()) == {0}
    assert [m.objects.count() for m in models] == before
    assert set(QuestionAnswer.objects.values_list("pk", flat=True)) == answer_ids
