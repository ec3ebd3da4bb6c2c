"""Question bank and exam objects for tests. Questions are saved through the bank service so
they always have a version, as in the admin."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from assessments.models import (
    Attempt,
    AttemptQuestion,
    Exam,
    ExamSlot,
    Question,
    QuestionAnswer,
    QuestionCategory,
)
from assessments.services.bank import question_latest_version, question_version_ensure
from assessments.services.grading import attempt_grade
from tests.factories import DepartmentFactory, StaffFactory

FINISHED = Attempt.State.FINISHED
T0 = timezone.now().replace(microsecond=0) - timedelta(days=2)

_counter = {"n": 0}


def _n() -> int:
    _counter["n"] += 1
    return _counter["n"]


def category(name=None, parent=None) -> QuestionCategory:
    return QuestionCategory.objects.create(name=name or f"Category {_n()}", parent=parent)


def question(qtype="single", answers=None, category_=None, **fields) -> Question:
    """A question with answers given as (text, percent[, extra fields]) tuples. Defaults per
    type: single → 3 choices, the first right; truefalse → true is right; shortanswer →
    "wristband"; numerical → 5 ± 0.5; matching → 3 pairs; essay/description → none."""
    defaults = {
        "single": [("Scan the wristband", 100), ("Ask the name only", 0), ("Skip", 0)],
        "multiple": [("Name", 50), ("Date of birth", 50), ("Bed number", -100)],
        "truefalse": [("true", 100), ("false", 0)],
        "shortanswer": [("wristband", 100)],
        "numerical": [("5", 100, {"tolerance": Decimal("0.5")})],
        "matching": [
            ("Cashier", 0, {"match": "Billing"}),
            ("Nurse", 0, {"match": "Medication"}),
            ("Doctor", 0, {"match": "Orders"}),
        ],
    }
    n = _n()
    q = Question.objects.create(
        category=category_ or category(),
        qtype=qtype,
        name=fields.pop("name", f"Question {n}"),
        text=fields.pop("text", f"<p>Question {n}?</p>"),
        **fields,
    )
    for order, row in enumerate(answers if answers is not None else defaults.get(qtype, [])):
        text, percent, *extra = row
        QuestionAnswer.objects.create(
            question=q,
            sort_order=order,
            text=text,
            fraction=Decimal(str(percent)),
            **(extra[0] if extra else {}),
        )
    question_version_ensure(question=q)
    return q


def exam(questions=(), draws=(), **fields) -> Exam:
    """A published exam with fixed `questions` and random `draws` of (category, count)."""
    fields.setdefault("title", f"Exam {_n()}")
    fields.setdefault("published", True)
    fields.setdefault("shuffle_questions", False)
    fields.setdefault("shuffle_answers", False)
    e = Exam.objects.create(**fields)
    order = 0
    for q in questions:
        ExamSlot.objects.create(exam=e, question=q, sort_order=order)
        order += 1
    for cat, count in draws:
        ExamSlot.objects.create(exam=e, category=cat, count=count, sort_order=order)
        order += 1
    return e


# Attempts made with the ORM (the engine's services are tested on their own)


def sit(exam, staff, responses, *, state=FINISHED, excluded=False, minutes=20, marks=None):
    """One attempt of `staff` with an AttemptQuestion per (question, response), in order, on the
    latest version of each question (mark: its default). A finished attempt is graded by the
    engine's attempt_grade, as a submit would."""
    number = Attempt.objects.filter(exam=exam, staff=staff).count() + 1
    started = T0 + timedelta(hours=number)
    attempt = Attempt.objects.create(
        exam=exam,
        staff=staff,
        number=number,
        state=state,
        started_at=started,
        finished_at=started + timedelta(minutes=minutes) if state == FINISHED else None,
        finished_by="learner" if state == FINISHED else "",
        excluded=excluded,
    )
    for position, (question, response) in enumerate(responses):
        AttemptQuestion.objects.create(
            attempt=attempt,
            position=position,
            version=question_latest_version(question),
            max_mark=question.default_mark,
            response=response,
        )
    if state == FINISHED:
        attempt_grade(attempt)
        attempt.refresh_from_db()
    return attempt


def many_sittings(exam, questions, count: int, *, staff_count: int = 10):
    """`count` finished, graded attempts in bulk (a few people, many attempt numbers each):
    every question right in even attempts, wrong in odd ones; one essay waiting in every
    tenth attempt when the exam has an essay."""
    department = DepartmentFactory()
    people = [StaffFactory(department=department) for _ in range(staff_count)]
    versions = [question_latest_version(q) for q in questions]
    attempts = []
    for n in range(count):
        started = T0 + timedelta(minutes=n)
        attempts.append(
            Attempt(
                exam=exam,
                staff=people[n % staff_count],
                number=n // staff_count + 1,
                state=FINISHED,
                started_at=started,
                finished_at=started + timedelta(minutes=15),
                max_marks=len(questions),
            )
        )
    Attempt.objects.bulk_create(attempts)
    rows = []
    for n, attempt in enumerate(attempts):
        right = n % 2 == 0
        waiting = False
        for position, version in enumerate(versions):
            essay = version.qtype == "essay"
            grading = essay and n % 10 == 0
            waiting = waiting or grading
            mark = None if grading else Decimal(1 if right else 0)
            response = {"text": "An answer"} if essay else {"choice": 0 if right else 1}
            rows.append(
                AttemptQuestion(
                    attempt=attempt,
                    position=position,
                    version=version,
                    max_mark=1,
                    response=response,
                    mark=mark,
                    fraction=mark,
                    needs_grading=grading,
                )
            )
        attempt.needs_grading = waiting
        attempt.marks = None if waiting else Decimal(len(versions) if right else 0)
        attempt.percent = None if waiting else Decimal(100 if right else 0)
        attempt.passed = None if waiting else right
    AttemptQuestion.objects.bulk_create(rows, batch_size=2000)
    Attempt.objects.bulk_update(attempts, ["needs_grading", "marks", "percent", "passed"])
    return attempts


def trains(exam, *users):
    """Make the users trainers of the exam (a cluster relation: written when the exam is saved)."""
    exam.trainers.add(*users)
    exam.save()
