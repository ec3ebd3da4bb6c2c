"""Trainer selectors: who sees which exams and attempts, the grading queue, and the
per-question statistics checked against numbers worked out by hand below."""

import math

import pytest

from assessments.models import Attempt
from assessments.selectors import trainer as selectors
from assessments.services.bank import question_version_ensure
from portal.accounts import roles
from tests.factories import DepartmentFactory, StaffFactory, UserFactory, person

from . import factories as f
from .factories import many_sittings, sit, trains

pytestmark = pytest.mark.django_db

FINISHED, IN_PROGRESS = Attempt.State.FINISHED, Attempt.State.IN_PROGRESS


@pytest.fixture
def trainer(role_groups):
    return person([roles.TRAINER]).user


# ---------------------------------------------------------------------------------------------
# Scope


def test_trainers_see_the_exams_they_train_and_superusers_all(trainer):
    mine, other = f.exam(title="Mine"), f.exam(title="Other")
    trains(mine, trainer)
    admin = UserFactory(is_superuser=True)
    assert [e.title for e in selectors.exams_for_trainer(user=trainer)] == ["Mine"]
    assert {e.title for e in selectors.exams_for_trainer(user=admin)} == {"Mine", "Other"}
    assert selectors.exam_for_trainer(exam_id=other.pk, user=trainer) is None
    assert selectors.exam_for_trainer(exam_id=mine.pk, user=trainer) == mine
    learner = person([roles.LEARNER]).user
    assert list(selectors.exams_for_trainer(user=learner)) == []


def test_attempts_are_only_for_the_exams_trainers(trainer):
    q = f.question("single")
    exam = f.exam(questions=[q])
    trains(exam, trainer)
    attempt = sit(exam, StaffFactory(), [(q, {"choice": 0})])
    other_trainer = person([roles.TRAINER]).user
    assert list(selectors.exam_attempts(exam=exam, viewer=trainer)) == [attempt]
    assert list(selectors.exam_attempts(exam=exam, viewer=other_trainer)) == []
    assert selectors.attempt_for_trainer(attempt_id=attempt.pk, user=trainer) == attempt
    assert selectors.attempt_for_trainer(attempt_id=attempt.pk, user=other_trainer) is None
    learner = attempt.staff.user
    assert selectors.attempt_for_trainer(attempt_id=attempt.pk, user=learner) is None


def test_attempt_filters_by_department_subtree_and_state(trainer):
    q = f.question("single")
    exam = f.exam(questions=[q], pass_mark_percent=50)
    trains(exam, trainer)
    ward = DepartmentFactory(code="MED")
    sub = DepartmentFactory(code="MED-2", parent=ward)
    elsewhere = DepartmentFactory(code="SURG")
    passed = sit(exam, StaffFactory(department=sub), [(q, {"choice": 0})])
    failed = sit(exam, StaffFactory(department=ward), [(q, {"choice": 1})])
    running = sit(exam, StaffFactory(department=elsewhere), [(q, None)], state=IN_PROGRESS)
    dropped = sit(exam, StaffFactory(department=elsewhere), [(q, {"choice": 0})], excluded=True)

    def found(**filters):
        return set(selectors.exam_attempts(exam=exam, viewer=trainer, filters=filters))

    assert found() == {passed, failed, running, dropped}
    assert found(department=ward) == {passed, failed}
    assert found(state="passed") == {passed}
    assert found(state="failed") == {failed}
    assert found(state="in_progress") == {running}
    assert found(state="excluded") == {dropped}
    assert found(department=elsewhere, state="finished") == {dropped}


def test_exam_list_counts_attempts_pass_rate_and_essays_to_grade(trainer):
    q, essay = f.question("single"), f.question("essay")
    exam = f.exam(questions=[q, essay], pass_mark_percent=50)
    trains(exam, trainer)
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": ""})])  # 1/2: pass
    sit(exam, StaffFactory(), [(q, {"choice": 1}), (essay, {"text": ""})])  # 0/2: fail
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": "Because"})])  # waits
    sit(exam, StaffFactory(), [(q, None), (essay, None)], state=IN_PROGRESS)
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": "x"})], excluded=True)
    (found,) = selectors.exams_for_trainer(user=trainer)
    assert (found.attempts_total, found.attempts_open) == (5, 1)
    assert (found.attempts_graded, found.attempts_passed) == (2, 1)
    assert selectors.pass_rate(found) == 50.0
    # The excluded attempt's essay is not queued: it does not count.
    assert found.to_grade == 1


def test_grading_queue_holds_waiting_essays_of_the_viewers_exams(trainer):
    essay = f.question("essay")
    mine, other = f.exam(questions=[essay]), f.exam(questions=[essay])
    trains(mine, trainer)
    waiting = sit(mine, StaffFactory(), [(essay, {"text": "Scan first"})])
    sit(mine, StaffFactory(), [(essay, {"text": "Later"})], state=IN_PROGRESS)
    sit(mine, StaffFactory(), [(essay, {"text": "Excluded"})], excluded=True)
    sit(mine, StaffFactory(), [(essay, {"text": ""})])  # empty: 0 marks, nothing to grade
    sit(other, StaffFactory(), [(essay, {"text": "Not mine"})])
    queue = list(selectors.grading_queue(viewer=trainer))
    assert [aq.attempt for aq in queue] == [waiting]
    assert selectors.grading_item(aq_id=queue[0].pk, user=trainer) == queue[0]
    assert selectors.grading_item(aq_id=queue[0].pk, user=person([roles.TRAINER]).user) is None
    admin = UserFactory(is_superuser=True)
    assert len(list(selectors.grading_queue(viewer=admin))) == 2


# ---------------------------------------------------------------------------------------------
# Statistics on a hand-computed dataset
#
# Three questions, four counted attempts A-D (plus ones that must not count):
#   Q1 single, max 1:           A right (1), B right (1), C wrong (0), D no answer (0)
#   Q2 multiple, max 2:         A Name+DOB (2), B Name (1), C DOB (1), D Bed (-100 %, clamped: 0)
#   Q3 true/false, max 1:       A true (1), B true (1), C true (1), D false (0)
#   totals:                     A 4, B 3, C 2, D 0
#
# Facility = mean of mark/max:  Q1 (1+1+0+0)/4 = 50 %; Q2 (1+.5+.5+0)/4 = 50 %;
#                               Q3 (1+1+1+0)/4 = 75 %.
# Discrimination = Pearson r(x, rest), rest = total − mark of the question:
#   Q1: x = (1,1,0,0), rest = (3,2,2,0); x̄ = .5, r̄ = 1.75
#       dx = (.5,.5,−.5,−.5), dr = (1.25,.25,.25,−1.75)
#       Σdx·dr = .625+.125−.125+.875 = 1.5; Σdx² = 1; Σdr² = 1.5625+.0625+.0625+3.0625 = 4.75
#       r = 1.5/√4.75 = 0.68825 → 68.8 %
#   Q2: x = (1,.5,.5,0), rest = (2,2,1,0); dx = (.5,0,0,−.5), dr = (.75,.75,−.25,−1.25)
#       Σdx·dr = .375+.625 = 1.0; Σdx² = .5; Σdr² = .5625+.5625+.0625+1.5625 = 2.75
#       r = 1/√1.375 = 0.85280 → 85.3 %
#   Q3: x = (1,1,1,0), rest = (3,2,1,0); dx = (.25,.25,.25,−.75), dr = (1.5,.5,−.5,−1.5)
#       Σdx·dr = .375+.125−.125+1.125 = 1.5; Σdx² = .75; Σdr² = 5
#       r = 1.5/√3.75 = 0.77460 → 77.5 %
# Answer shares: Q1 right 50 %, "Ask the name only" 25 %, "Skip" 0 %, no answer 25 %;
#   Q2 Name 50 %, Date of birth 50 %, Bed number 25 %; Q3 true 75 %, false 25 %.


def hand_dataset():
    q1, q3 = f.question("single", name="Q1"), f.question("truefalse", name="Q3")
    q2 = f.question("multiple", name="Q2", default_mark=2)
    intro = f.question("description", name="Intro", default_mark=0)
    exam = f.exam(questions=[intro, q1, q2, q3])
    people = [StaffFactory(full_name=name) for name in "ABCDE"]

    def answers(r1, r2, r3):
        return [(intro, None), (q1, r1), (q2, r2), (q3, r3)]

    sit(exam, people[0], answers({"choice": 0}, {"choices": [0, 1]}, {"choice": 0}))
    sit(exam, people[1], answers({"choice": 0}, {"choices": [0]}, {"choice": 0}))
    sit(exam, people[2], answers({"choice": 1}, {"choices": [1]}, {"choice": 0}))
    # Q1 was edited after the first three attempts: D saw version 2, counted as the same question.
    q1.text = "<p>How do you identify a patient before giving a drug?</p>"
    q1.save()
    question_version_ensure(question=q1)
    assert q1.versions.count() == 2
    sit(exam, people[3], answers(None, {"choices": [2]}, {"choice": 1}))
    # Not counted: excluded, in progress.
    sit(exam, people[4], answers({"choice": 1}, {"choices": []}, {"choice": 1}), excluded=True)
    sit(exam, people[4], answers({"choice": 1}, None, None), state=IN_PROGRESS)
    return exam


def test_statistics_match_the_hand_computed_values():
    exam = hand_dataset()
    stats = selectors.exam_question_statistics(exam=exam)
    assert (stats.attempts, stats.waiting) == (4, 0)
    by_name = {q.name: q for q in stats.questions}
    assert [q.name for q in stats.questions] == ["Q1", "Q2", "Q3"]  # no description
    assert [by_name[n].attempts for n in ("Q1", "Q2", "Q3")] == [4, 4, 4]
    assert [by_name[n].facility for n in ("Q1", "Q2", "Q3")] == [50.0, 50.0, 75.0]
    assert by_name["Q1"].discrimination == round(100 * 1.5 / math.sqrt(4.75), 1) == 68.8
    assert by_name["Q2"].discrimination == round(100 * 1 / math.sqrt(1.375), 1) == 85.3
    assert by_name["Q3"].discrimination == round(100 * 1.5 / math.sqrt(3.75), 1) == 77.5
    assert by_name["Q2"].mean_mark == 1.0 and by_name["Q2"].max_mark == 2.0

    def shares(name):
        return [(a.label, a.percent) for a in by_name[name].answers]

    assert shares("Q1") == [
        ("Scan the wristband", 50.0),
        ("Ask the name only", 25.0),
        ("Skip", 0.0),
    ]
    assert by_name["Q1"].no_answer_percent == 25.0
    assert shares("Q2") == [("Name", 50.0), ("Date of birth", 50.0), ("Bed number", 25.0)]
    assert by_name["Q2"].no_answer_percent == 0.0
    assert shares("Q3") == [("true", 75.0), ("false", 25.0)]


def test_discrimination_is_undefined_without_spread_and_essays_wait():
    q = f.question("single")
    essay = f.question("essay")
    exam = f.exam(questions=[q, essay])
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": ""})])
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": ""})])
    sit(exam, StaffFactory(), [(q, {"choice": 0}), (essay, {"text": "Waiting"})])
    stats = selectors.exam_question_statistics(exam=exam)
    assert (stats.attempts, stats.waiting) == (2, 1)
    first = stats.questions[0]
    # Everybody right: facility 100 %, and no spread, so no correlation.
    assert (first.facility, first.discrimination) == (100.0, None)


def test_no_attempts_no_statistics():
    exam = f.exam(questions=[f.question("single")])
    stats = selectors.exam_question_statistics(exam=exam)
    assert (stats.attempts, stats.waiting, stats.questions) == (0, 0, [])


@pytest.mark.parametrize("count", [10, 1000])
def test_statistics_cost_a_fixed_number_of_queries(django_assert_max_num_queries, count):
    questions = [f.question("single") for _ in range(3)] + [f.question("essay")]
    exam = f.exam(questions=questions)
    many_sittings(exam, questions, count)
    with django_assert_max_num_queries(3):
        stats = selectors.exam_question_statistics(exam=exam)
    # Every tenth attempt (all even, so all right ones) waits for its essay.
    counted, right = count - count // 10, count // 2 - count // 10
    assert (stats.waiting, stats.attempts) == (count // 10, counted)
    assert [q.attempts for q in stats.questions] == [counted] * 4
    assert stats.questions[0].facility == round(100 * right / counted, 1)
    # Right or wrong on everything together: each question agrees perfectly with the rest.
    assert [q.discrimination for q in stats.questions] == [100.0] * 4
