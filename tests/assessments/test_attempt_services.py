"""The attempt engine and grading services (SQLite or PostgreSQL, one thread; the races are in
test_attempt_concurrency.py): starting, the rules of an exam, saves with sequence numbers,
the deadline with its grace, the sweeper, submit, essays, the grade kept, the curriculum
assignment, and correcting a question's key."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from freezegun import freeze_time

from assessments.models import Attempt, AttemptQuestion, Exam, ExamSlot, QuestionAnswer
from assessments.selectors.attempts import (
    attempt_navigation,
    attempt_page,
    learner_attempt,
    matching_options,
    review_allowed,
    score_visible,
)
from assessments.services.attempts import (
    GRACE,
    AttemptsExhausted,
    CoolingDown,
    ExamClosed,
    ExamNotOpen,
    SaveRefused,
    answers_save,
    attempt_overdue_finish,
    attempt_start,
    attempt_submit,
    attempts_sweep,
    exam_availability,
)
from assessments.services.bank import question_version_ensure
from assessments.services.grading import essay_grade, exam_outcome_refresh, question_key_correct
from assessments.tasks import attempts_sweep_task
from courses.models import Assignment, Curriculum, CurriculumItem
from courses.services.enrolment import assignments_recompute
from portal.records.models import AuditEvent
from tests.assessments.factories import category, exam, question
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RIGHT, WRONG = {"choice": 0}, {"choice": 1}


def answer(attempt, position, response, seq, **extra):
    return answers_save(
        attempt=attempt,
        staff=attempt.staff,
        answers=[{"position": position, "seq": seq, "response": response, **extra}],
    )


def rows(attempt) -> list[AttemptQuestion]:
    return list(attempt.questions.select_related("version").order_by("position"))


def finishes(attempt) -> int:
    return AuditEvent.objects.filter(action="attempt.finish", object_id=str(attempt.pk)).count()


@pytest.fixture
def frozen():
    with freeze_time(T0) as clock:
        yield clock


@pytest.fixture
def nurse():
    return StaffFactory()


# ---------------------------------------------------------------------------------------------
# Starting


def test_start_creates_the_questions_in_slot_order_on_pages(frozen, nurse):
    qs = [question("single"), question("multiple"), question("essay"), question("description")]
    e = exam(questions=qs, questions_per_page=2)
    ExamSlot.objects.filter(exam=e, question=qs[1]).update(mark=Decimal("3"))

    attempt = attempt_start(exam=e, staff=nurse)

    assert attempt.state == Attempt.State.IN_PROGRESS
    assert attempt.number == 1 and attempt.started_at == T0 and attempt.deadline is None
    got = rows(attempt)
    assert [aq.version.question_id for aq in got] == [q.pk for q in qs]
    assert [aq.page for aq in got] == [0, 0, 1, 1]
    assert [aq.max_mark for aq in got] == [Decimal(1), Decimal(3), Decimal(1), Decimal(0)]
    assert [aq.answer_order for aq in got] == [[0, 1, 2], [0, 1, 2], [], []]
    assert all(aq.seq == 0 and aq.response is None for aq in got)


def test_start_takes_the_latest_version(frozen, nurse):
    q = question("single")
    first = attempt_start(exam=exam(questions=[q]), staff=StaffFactory())
    QuestionAnswer.objects.filter(question=q, sort_order=1).update(text="Ask twice")
    q.refresh_from_db()
    newer = question_version_ensure(question=q)
    assert newer.number == 2  # v1 was attempted, so editing added a version
    attempt = attempt_start(exam=exam(questions=[q]), staff=nurse)
    assert rows(attempt)[0].version == newer
    assert rows(first)[0].version.number == 1


def test_random_draws_from_the_category_tree_never_repeat_a_question(frozen):
    top = category("Nursing")
    sub = category("Medication", parent=top)
    other = category("Billing")
    fixed = question("single", category_=top)
    in_top = [question("single", category_=top) for _ in range(2)]
    in_sub = [question("single", category_=sub) for _ in range(2)]
    question("single", category_=top, archived=True)
    question("single", category_=other)
    e = exam(questions=[fixed], draws=[(top, 2), (top, 10)])
    ExamSlot.objects.filter(exam=e, category=top, count=2).update(include_subcategories=False)
    allowed_first = {q.pk for q in in_top}
    allowed_all = allowed_first | {q.pk for q in in_sub}

    for _ in range(6):
        drawn = [aq.version.question_id for aq in rows(attempt_start(exam=e, staff=StaffFactory()))]
        assert drawn[0] == fixed.pk
        assert set(drawn[1:3]) == allowed_first  # the top category only: both of its questions
        assert set(drawn[3:]) == allowed_all - allowed_first  # what is left, subcategory incl.
        assert len(drawn) == len(set(drawn)) == 5  # 10 wanted, fewer available: no repeats


def test_shuffled_exam_shuffles_questions_and_answers_but_not_true_false(frozen):
    qs = [question("single", answers=[(str(i), 100 if i == 0 else 0) for i in range(8)])]
    qs += [question("single") for _ in range(7)] + [question("truefalse")]
    e = exam(questions=qs, shuffle_questions=True, shuffle_answers=True)
    orders, answer_orders = set(), set()
    for _ in range(8):
        got = rows(attempt_start(exam=e, staff=StaffFactory()))
        orders.add(tuple(aq.version.question_id for aq in got))
        by_question = {aq.version.question_id: aq.answer_order for aq in got}
        answer_orders.add(tuple(by_question[qs[0].pk]))
        assert sorted(by_question[qs[0].pk]) == list(range(8))
        assert by_question[qs[-1].pk] == [0, 1]
    assert len(orders) > 1 and len(answer_orders) > 1


def test_a_second_start_continues_the_open_attempt(frozen, nurse):
    e = exam(questions=[question()])
    first = attempt_start(exam=e, staff=nurse)
    again = attempt_start(exam=e, staff=nurse)
    assert again.pk == first.pk
    assert Attempt.objects.filter(exam=e, staff=nurse).count() == 1
    assert AttemptQuestion.objects.filter(attempt__exam=e).count() == 1


def test_max_attempts(frozen, nurse):
    e = exam(questions=[question()], max_attempts=2)
    for _ in range(2):
        attempt_submit(attempt=attempt_start(exam=e, staff=nurse), staff=nurse)
    with pytest.raises(AttemptsExhausted) as refused:
        attempt_start(exam=e, staff=nurse)
    assert "all 2 attempts" in refused.value.message
    availability = exam_availability(exam=e, staff=nurse)
    assert (availability.can_start, availability.attempts_used) == (False, 2)
    assert availability.attempts_left == 0 and "all 2 attempts" in availability.reason

    # A trainer excluded one (say, the network failed): the attempt is given back.
    Attempt.objects.filter(exam=e, staff=nurse, number=1).update(excluded=True)
    assert attempt_start(exam=e, staff=nurse).number == 3


def test_cool_down_between_attempts(frozen, nurse):
    e = exam(questions=[question()], cooldown_minutes=30)
    attempt_submit(attempt=attempt_start(exam=e, staff=nurse), staff=nurse)
    frozen.tick(timedelta(minutes=10))
    with pytest.raises(CoolingDown):
        attempt_start(exam=e, staff=nurse)
    availability = exam_availability(exam=e, staff=nurse)
    assert not availability.can_start
    assert availability.next_start_at == T0 + timedelta(minutes=30)
    frozen.tick(timedelta(minutes=20))
    assert attempt_start(exam=e, staff=nurse).number == 2


def test_open_and_close_window(frozen, nurse):
    e = exam(
        questions=[question()],
        opens_at=T0 + timedelta(hours=1),
        closes_at=T0 + timedelta(hours=3),
    )
    with pytest.raises(ExamNotOpen):
        attempt_start(exam=e, staff=nurse)
    frozen.move_to(T0 + timedelta(hours=3))
    with pytest.raises(ExamClosed):
        attempt_start(exam=e, staff=nurse)
    assert "closed" in exam_availability(exam=e, staff=nurse).reason
    frozen.move_to(T0 + timedelta(hours=2))
    assert attempt_start(exam=e, staff=nurse).state == Attempt.State.IN_PROGRESS


def test_an_unpublished_exam_cannot_be_started(frozen, nurse):
    with pytest.raises(ExamNotOpen):
        attempt_start(exam=exam(questions=[question()], published=False), staff=nurse)


def test_an_exam_without_questions_cannot_be_started(frozen, nurse):
    empty = category()
    with pytest.raises(ExamNotOpen, match="no questions"):
        attempt_start(exam=exam(draws=[(empty, 5)]), staff=nurse)
    assert not Attempt.objects.filter(staff=nurse).exists()


@pytest.mark.parametrize(
    ("limit", "closes_in", "deadline_in"),
    [
        (30, None, timedelta(minutes=30)),
        (30, timedelta(minutes=10), timedelta(minutes=10)),
        (30, timedelta(hours=2), timedelta(minutes=30)),
        (None, timedelta(hours=2), timedelta(hours=2)),
        (None, None, None),
    ],
)
def test_deadline_is_the_earlier_of_the_time_limit_and_the_close(
    frozen, nurse, limit, closes_in, deadline_in
):
    e = exam(
        questions=[question()],
        time_limit_minutes=limit,
        closes_at=T0 + closes_in if closes_in else None,
    )
    attempt = attempt_start(exam=e, staff=nurse)
    assert attempt.deadline == (T0 + deadline_in if deadline_in else None)


# ---------------------------------------------------------------------------------------------
# Saving


def test_saves_are_accepted_only_with_a_newer_sequence_number(frozen, nurse):
    e = exam(questions=[question(), question()])
    attempt = attempt_start(exam=e, staff=nurse)

    result = answers_save(
        attempt=attempt,
        staff=nurse,
        answers=[
            {"position": 0, "seq": 2, "response": WRONG},
            {"position": 1, "seq": 1, "response": RIGHT, "flagged": True},
        ],
        page=1,
    )
    assert (result.accepted, result.stale, result.server_now) == ([0, 1], [], T0)

    assert answer(attempt, 0, RIGHT, seq=1).stale == [0]  # an older save arriving late
    assert answer(attempt, 0, RIGHT, seq=2).stale == [0]  # a replay
    got = rows(attempt)
    assert (got[0].response, got[0].seq, got[0].saved_at) == (WRONG, 2, T0)
    assert got[1].flagged is True

    assert answer(attempt, 0, None, seq=3).accepted == [0]  # cleared
    assert AttemptQuestion.objects.get(attempt=attempt, position=0, response__isnull=True)
    attempt.refresh_from_db()
    assert (attempt.current_page, attempt.last_saved_at) == (1, T0)
    assert [n.answered for n in attempt_navigation(attempt=attempt)] == [False, True]


def test_a_malformed_answer_refuses_the_whole_save(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question(), question()]), staff=nurse)
    with pytest.raises(ValueError, match="between 0 and 2"):
        answers_save(
            attempt=attempt,
            staff=nurse,
            answers=[
                {"position": 0, "seq": 1, "response": RIGHT},
                {"position": 1, "seq": 1, "response": {"choice": 7}},
            ],
        )
    with pytest.raises(ValueError, match="no question 5"):
        answer(attempt, 5, RIGHT, seq=1)
    with pytest.raises(ValueError, match="seq"):
        answer(attempt, 0, RIGHT, seq="1")
    assert [aq.seq for aq in rows(attempt)] == [0, 0]


def test_only_the_learner_saves_their_attempt(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()]), staff=nurse)
    with pytest.raises(PermissionDenied):
        answers_save(attempt=attempt, staff=StaffFactory(), answers=[])
    with pytest.raises(PermissionDenied):
        attempt_submit(attempt=attempt, staff=StaffFactory())


def test_a_save_within_the_grace_is_accepted(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()], time_limit_minutes=20), staff=nurse)
    frozen.move_to(attempt.deadline + GRACE)
    assert answer(attempt, 0, RIGHT, seq=1).accepted == [0]


def test_a_save_after_the_grace_is_refused_and_the_attempt_finished_at_its_deadline(frozen, nurse):
    attempt = attempt_start(
        exam=exam(questions=[question(), question()], time_limit_minutes=20), staff=nurse
    )
    answer(attempt, 0, RIGHT, seq=1)
    frozen.move_to(attempt.deadline + GRACE + timedelta(seconds=1))

    with pytest.raises(SaveRefused) as refused:
        answer(attempt, 1, RIGHT, seq=2)

    assert refused.value.overdue and "Time ran out" in refused.value.message
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == attempt.deadline == T0 + timedelta(minutes=20)
    assert attempt.finished_by == Attempt.FinishedBy.DEADLINE
    assert attempt.percent == Decimal("50.00")  # the answer saved in time counts, the late one not
    assert rows(attempt)[1].response is None


def test_a_save_to_a_submitted_attempt_is_refused(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()]), staff=nurse)
    attempt_submit(attempt=attempt, staff=nurse)
    with pytest.raises(SaveRefused) as refused:
        answer(attempt, 0, RIGHT, seq=5)
    assert not refused.value.overdue and "already been submitted" in refused.value.message


# ---------------------------------------------------------------------------------------------
# Finishing: lazily, by the sweeper, by submit


def test_touching_an_overdue_attempt_finishes_it_at_its_deadline(frozen, nurse):
    e = exam(questions=[question()], time_limit_minutes=20)
    attempt = attempt_start(exam=e, staff=nurse)
    answer(attempt, 0, RIGHT, seq=1)
    frozen.move_to(T0 + timedelta(hours=1))

    availability = exam_availability(exam=e, staff=nurse)

    assert availability.open_attempt is None and availability.can_start
    assert availability.passed and availability.best_percent == Decimal(100)
    attempt.refresh_from_db()
    assert attempt.finished_at == T0 + timedelta(minutes=20)
    # Touching it again (the attempt page) changes nothing.
    assert attempt_overdue_finish(attempt=attempt) is False
    assert finishes(attempt) == 1


def test_starting_again_after_time_ran_out_shows_the_finished_attempt(frozen, nurse):
    e = exam(questions=[question()], time_limit_minutes=20)
    attempt = attempt_start(exam=e, staff=nurse)
    frozen.move_to(T0 + timedelta(hours=1))
    again = attempt_start(exam=e, staff=nurse)
    assert again.pk == attempt.pk and again.state == Attempt.State.FINISHED
    assert attempt_start(exam=e, staff=nurse).number == 2


def test_the_sweeper_run_twice_finishes_once_at_the_deadline(frozen):
    e = exam(questions=[question()], time_limit_minutes=20)
    late = [attempt_start(exam=e, staff=StaffFactory()) for _ in range(3)]
    frozen.move_to(T0 + timedelta(minutes=10))
    on_time = attempt_start(exam=e, staff=StaffFactory())
    endless = attempt_start(exam=exam(questions=[question()]), staff=StaffFactory())
    frozen.move_to(T0 + timedelta(minutes=21, seconds=1))

    assert attempts_sweep() == 3
    assert attempts_sweep() == 0
    assert attempts_sweep_task() == 0

    for attempt in late:
        attempt.refresh_from_db()
        assert attempt.finished_at == T0 + timedelta(minutes=20)
        assert attempt.finished_by == Attempt.FinishedBy.DEADLINE
        assert attempt.percent == Decimal(0) and attempt.passed is False
        assert finishes(attempt) == 1
    event = AuditEvent.objects.get(action="attempt.finish", object_id=str(late[0].pk))
    assert event.actor_label == "system (time ran out)"
    for attempt in (on_time, endless):
        attempt.refresh_from_db()
        assert attempt.state == Attempt.State.IN_PROGRESS


def test_the_sweep_task_finishes_overdue_attempts(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()], time_limit_minutes=5), staff=nurse)
    frozen.move_to(T0 + timedelta(minutes=7))
    assert attempts_sweep_task.delay().get() == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED


def test_submit_twice_grades_once(frozen, nurse):
    qs = [question(), question(), question("shortanswer")]
    attempt = attempt_start(exam=exam(questions=qs), staff=nurse)
    answer(attempt, 0, RIGHT, seq=1)
    frozen.tick(timedelta(minutes=5))

    finished = attempt_submit(
        attempt=attempt,
        staff=nurse,
        answers=[
            {"position": 1, "seq": 1, "response": WRONG},
            {"position": 2, "seq": 1, "response": {"text": "Wristband "}},
        ],
    )
    assert finished.state == Attempt.State.FINISHED
    assert finished.finished_by == Attempt.FinishedBy.LEARNER
    assert finished.finished_at == T0 + timedelta(minutes=5)
    assert (finished.marks, finished.max_marks) == (Decimal(2), Decimal(3))
    assert (finished.percent, finished.passed) == (Decimal("66.67"), False)
    assert [aq.mark for aq in rows(attempt)] == [Decimal(1), Decimal(0), Decimal(1)]

    frozen.tick(timedelta(minutes=1))
    again = attempt_submit(
        attempt=Attempt.objects.get(pk=attempt.pk),
        staff=nurse,
        answers=[{"position": 1, "seq": 2, "response": RIGHT}],
    )
    assert again.state == Attempt.State.FINISHED
    assert again.finished_at == T0 + timedelta(minutes=5)
    assert again.marks == Decimal(2)
    assert finishes(attempt) == 1
    assert rows(attempt)[1].response == WRONG


def test_submit_after_the_grace_finishes_at_the_deadline_and_says_so(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()], time_limit_minutes=5), staff=nurse)
    frozen.move_to(T0 + timedelta(minutes=7))
    with pytest.raises(SaveRefused) as refused:
        attempt_submit(attempt=attempt, staff=nurse)
    assert refused.value.overdue
    attempt.refresh_from_db()
    assert attempt.finished_by == Attempt.FinishedBy.DEADLINE
    assert finishes(attempt) == 1


def test_a_negative_mark_does_not_make_the_attempt_negative(frozen, nurse):
    penalty = question("single", answers=[("Right", 100), ("Dangerous", -100)])
    attempt = attempt_start(exam=exam(questions=[penalty, question()]), staff=nurse)
    answer(attempt, 0, {"choice": 1}, seq=1)
    attempt_submit(attempt=attempt, staff=nurse)
    assert rows(attempt)[0].mark == Decimal(-1)
    assert (attempt.marks, attempt.percent) == (Decimal(0), Decimal(0))


# ---------------------------------------------------------------------------------------------
# Essays


def trainer_of(e):
    user = UserFactory()
    e.trainers.add(user)
    e.save()
    return user


def test_an_essay_waits_for_a_trainer_then_completes_the_grade(frozen, nurse):
    e = exam(questions=[question(), question("essay", default_mark=Decimal(4))])
    attempt = attempt_start(exam=e, staff=nurse)
    answer(attempt, 0, RIGHT, seq=1)
    answer(attempt, 1, {"text": "Check the wristband against the order."}, seq=1)
    attempt_submit(attempt=attempt, staff=nurse)
    assert attempt.needs_grading and attempt.marks is None and attempt.passed is None
    essay = rows(attempt)[1]
    assert essay.needs_grading and essay.mark is None

    grader = trainer_of(e)
    with pytest.raises(PermissionDenied):
        essay_grade(attempt_question=essay, mark=3, comment="", grader=UserFactory())
    with pytest.raises(ValueError, match="between 0 and 4"):
        essay_grade(attempt_question=essay, mark="4.5", comment="", grader=grader)
    with pytest.raises(ValueError, match="number"):
        essay_grade(attempt_question=essay, mark="a lot", comment="", grader=grader)
    with pytest.raises(ValueError, match="Only essays"):
        essay_grade(attempt_question=rows(attempt)[0], mark=1, comment="", grader=grader)

    essay_grade(attempt_question=essay, mark="3,5", comment="Good; name the scan.", grader=grader)

    attempt.refresh_from_db()
    assert (attempt.needs_grading, attempt.marks, attempt.percent) == (
        False,
        Decimal("4.5"),
        Decimal("90.00"),
    )
    assert attempt.passed is True
    assert (essay.mark, essay.graded_by, essay.grader_comment) == (
        Decimal("3.5"),
        grader,
        "Good; name the scan.",
    )
    event = AuditEvent.objects.get(action="attempt.essay_grade")
    assert event.before["mark"] is None and event.before["attempt"]["marks"] is None
    assert event.after["mark"] == "3.500" and event.after["attempt"]["percent"] == "90.00"

    # A regrade keeps the trainer's mark.
    attempt_submit(attempt=attempt, staff=nurse)
    assert rows(attempt)[1].mark == Decimal("3.5")


def test_an_empty_essay_scores_zero_without_a_trainer(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question("essay")]), staff=nurse)
    answer(attempt, 0, {"text": "  "}, seq=1)
    attempt_submit(attempt=attempt, staff=nurse)
    assert not attempt.needs_grading and attempt.percent == Decimal(0)


def test_an_essay_of_an_attempt_in_progress_cannot_be_graded(frozen, nurse):
    e = exam(questions=[question("essay")])
    attempt = attempt_start(exam=e, staff=nurse)
    with pytest.raises(ValueError, match="in progress"):
        essay_grade(attempt_question=rows(attempt)[0], mark=1, comment="", grader=trainer_of(e))


# ---------------------------------------------------------------------------------------------
# The grade kept, and the curriculum


def two_attempts(e, nurse, frozen, first, second):
    for response in (first, second):
        attempt = attempt_start(exam=e, staff=nurse)
        answer(attempt, 0, response, seq=1)
        attempt_submit(attempt=attempt, staff=nurse)
        frozen.tick(timedelta(minutes=1))


def test_grading_method_highest_keeps_the_best(frozen, nurse):
    e = exam(questions=[question()], grading_method=Exam.GradingMethod.HIGHEST)
    two_attempts(e, nurse, frozen, RIGHT, WRONG)
    outcome = exam_outcome_refresh(exam=e, staff=nurse)
    assert (outcome.kept.number, outcome.percent, outcome.passed) == (1, Decimal(100), True)


def test_grading_method_latest_keeps_the_last(frozen, nurse):
    e = exam(questions=[question()], grading_method=Exam.GradingMethod.LATEST)
    two_attempts(e, nurse, frozen, RIGHT, WRONG)
    outcome = exam_outcome_refresh(exam=e, staff=nurse)
    assert (outcome.kept.number, outcome.percent, outcome.passed) == (2, Decimal(0), False)
    availability = exam_availability(exam=e, staff=nurse)
    assert availability.best_percent == Decimal(100) and availability.passed is False


def assigned(e, nurse) -> Assignment:
    curriculum = Curriculum.objects.create(name="Nurses", job_role=nurse.job_role)
    CurriculumItem.objects.create(
        curriculum=curriculum,
        content_type=ContentType.objects.get_for_model(Exam),
        object_id=e.pk,
        due_rule=CurriculumItem.DueRule.FIXED,
        due_date=date(2026, 4, 1),
    )
    assignments_recompute()
    return Assignment.objects.get(staff=nurse, object_id=e.pk)


def test_passing_completes_the_curriculum_assignment(frozen, nurse):
    e = exam(questions=[question(), question()], pass_mark_percent=Decimal(50))
    assignment = assigned(e, nurse)

    failed = attempt_start(exam=e, staff=nurse)
    attempt_submit(attempt=failed, staff=nurse)
    assignment.refresh_from_db()
    assert failed.passed is False and assignment.completed_at is None

    frozen.tick(timedelta(minutes=3))
    passed = attempt_start(exam=e, staff=nurse)
    answer(passed, 1, RIGHT, seq=1)
    attempt_submit(attempt=passed, staff=nurse)
    assignment.refresh_from_db()
    assert passed.percent == Decimal(50) and passed.passed is True
    assert assignment.completed_at == T0 + timedelta(minutes=3)
    assert AuditEvent.objects.filter(action="item.complete", object_id=str(e.pk)).count() == 1


# ---------------------------------------------------------------------------------------------
# Correcting a question's key


def key_swap(q):
    """The trainer swaps the right answer in the editor (as the admin does: save, version)."""
    QuestionAnswer.objects.filter(question=q, sort_order=0).update(fraction=0)
    QuestionAnswer.objects.filter(question=q, sort_order=1).update(fraction=100)
    return question_version_ensure(question=q)


def test_correcting_a_key_regrades_earlier_attempts_and_audits_them(frozen):
    q, other = question(), question()
    e = exam(questions=[q, other], pass_mark_percent=Decimal(100))
    chose_b, chose_a, in_progress = StaffFactory(), StaffFactory(), StaffFactory()
    attempts = {}
    for member, response in ((chose_b, WRONG), (chose_a, RIGHT), (in_progress, WRONG)):
        attempts[member] = attempt = attempt_start(exam=e, staff=member)
        answer(attempt, 0, response, seq=1)
        answer(attempt, 1, RIGHT, seq=1)
        if member is not in_progress:
            attempt_submit(attempt=attempt, staff=member)
    assignment = assigned(e, chose_b)
    assert attempts[chose_b].percent == Decimal(50)

    corrected = key_swap(q)
    assert corrected.number == 2
    report = question_key_correct(question=q, actor=None)

    assert (report.versions_updated, report.versions_skipped) == (1, 0)
    assert (report.attempts_regraded, report.attempts_changed) == (2, 2)
    b, a = (Attempt.objects.get(pk=attempts[m].pk) for m in (chose_b, chose_a))
    assert (b.percent, b.passed) == (Decimal(100), True)
    assert (a.percent, a.passed) == (Decimal(50), False)
    assignment.refresh_from_db()
    assert assignment.completed_at is not None  # the regrade made it a pass
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="attempt.regrade")}
    assert set(events) == {str(b.pk), str(a.pk)}
    assert events[str(b.pk)].before["percent"] == "50.00"
    assert events[str(b.pk)].after["percent"] == "100.00"
    assert events[str(b.pk)].after["question"] == q.pk
    version_event = AuditEvent.objects.get(action="question.key_correct")
    assert version_event.before["key"][1][0][0] == 1.0
    assert version_event.after["key"][1][0][0] == 0.0

    # The attempt still in progress is graded with the corrected key when it is submitted.
    late = attempts[in_progress]
    attempt_submit(attempt=late, staff=in_progress)
    assert late.percent == Decimal(100)

    # Running it again finds nothing to change.
    again = question_key_correct(question=q, actor=None)
    assert (again.versions_updated, again.attempts_changed) == (0, 0)


def test_a_version_whose_text_changed_keeps_its_key(frozen, nurse):
    q = question()
    attempt = attempt_start(exam=exam(questions=[q]), staff=nurse)
    answer(attempt, 0, RIGHT, seq=1)
    attempt_submit(attempt=attempt, staff=nurse)
    QuestionAnswer.objects.filter(question=q, sort_order=0).update(text="Scan both")
    key_swap(q)

    report = question_key_correct(question=q, actor=None)

    assert (report.versions_updated, report.versions_skipped) == (0, 1)
    assert report.attempts_changed == 0
    attempt.refresh_from_db()
    assert attempt.percent == Decimal(100)


def test_only_editors_of_questions_correct_keys(frozen):
    with pytest.raises(PermissionDenied):
        question_key_correct(question=question(), actor=UserFactory())


# ---------------------------------------------------------------------------------------------
# Selectors


def test_learner_attempt_is_only_the_learners_own(frozen, nurse):
    attempt = attempt_start(exam=exam(questions=[question()]), staff=nurse)
    assert learner_attempt(attempt_id=attempt.pk, user=nurse.user) == attempt
    assert learner_attempt(attempt_id=attempt.pk, user=StaffFactory().user) is None


def test_attempt_page_query_count_does_not_grow(frozen, nurse, django_assert_num_queries):
    e = exam(questions=[question() for _ in range(12)], questions_per_page=10)
    attempt = attempt_start(exam=e, staff=nurse)
    with django_assert_num_queries(1):
        first = attempt_page(attempt=attempt, page=0)
        assert [aq.version.content["qtype"] for aq in first] == ["single"] * 10
    with django_assert_num_queries(1):
        assert len(attempt_page(attempt=attempt, page=1)) == 2


@pytest.mark.parametrize(
    ("policy", "closes_in", "expected"),
    [
        (Exam.ReviewPolicy.IMMEDIATELY, None, True),
        (Exam.ReviewPolicy.AFTER_CLOSE, timedelta(hours=1), False),
        (Exam.ReviewPolicy.AFTER_CLOSE, timedelta(minutes=1), True),
        (Exam.ReviewPolicy.AFTER_CLOSE, None, False),
        (Exam.ReviewPolicy.NEVER, None, False),
    ],
)
def test_review_allowed_follows_the_policy(frozen, nurse, policy, closes_in, expected):
    e = exam(
        questions=[question()],
        review_policy=policy,
        closes_at=T0 + closes_in if closes_in else None,
    )
    attempt = attempt_start(exam=e, staff=nurse)
    assert review_allowed(attempt=attempt) is False  # never while in progress
    attempt_submit(attempt=attempt, staff=nurse)
    later = T0 + timedelta(minutes=30)
    assert review_allowed(attempt=attempt, now=later) is expected
    assert score_visible(attempt=attempt) is (policy != Exam.ReviewPolicy.NEVER)


def test_matching_options_are_distinct_and_stable(frozen, nurse):
    q = question(
        "matching",
        answers=[
            ("Cashier", 0, {"match": "Billing"}),
            ("Nurse", 0, {"match": "Ward"}),
            ("Doctor", 0, {"match": "Ward"}),
            ("", 0, {"match": "Laundry"}),
        ],
    )
    aq = rows(attempt_start(exam=exam(questions=[q], shuffle_answers=True), staff=nurse))[0]
    assert sorted(aq.answer_order) == [0, 1, 2]  # the distractor row is not a subquestion
    options = matching_options(attempt_question=aq, shuffle=True)
    assert sorted(options) == [0, 1, 3]
    assert matching_options(attempt_question=aq, shuffle=True) == options
    assert matching_options(attempt_question=aq, shuffle=False) == [0, 1, 3]
