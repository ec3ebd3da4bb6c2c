"""The results export of an exam (portal.exports' pattern): a header, rows from a generator
and the total known up front. One row per attempt, with the mark of each question by its
position in the attempt ("Q1" is the first question the person was shown; with random draws
that may be a different question for each person).

Rows are read in chunks with their questions prefetched per chunk, so the export costs two
queries per 500 attempts and never holds all attempts in memory.
"""

from collections.abc import Iterator

from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import exports

from ..models import Attempt, AttemptQuestion
from .trainer import exam_attempts

CHUNK = 500


def results_table(*, exam, viewer) -> exports.Table:
    attempts = exam_attempts(exam=exam, viewer=viewer).order_by(
        "staff__full_name", "staff__employee_no", "number"
    )
    positions = AttemptQuestion.objects.filter(attempt__in=attempts.values("pk")).aggregate(
        n=Max("position")
    )["n"]
    questions = 0 if positions is None else positions + 1
    return exports.Table(
        name=f"exam-{exam.pk}-results-{timezone.localdate():%Y-%m-%d}",
        header=results_header(questions=questions),
        rows=results_rows(attempts, questions=questions),
        total=attempts.count(),
    )


def results_header(*, questions: int) -> list[str]:
    return [
        _("Employee number"),
        _("Name"),
        _("Department"),
        _("Job role"),
        _("Attempt"),
        _("State"),
        _("Started"),
        _("Finished"),
        _("Duration (minutes)"),
        _("Marks"),
        _("Out of"),
        _("Grade %"),
        _("Passed"),
        _("Excluded"),
        _("Waiting for grading"),
        *(_("Q%(n)s") % {"n": n} for n in range(1, questions + 1)),
    ]


def duration_minutes(attempt) -> float | None:
    if attempt.finished_at is None:
        return None
    return round((attempt.finished_at - attempt.started_at).total_seconds() / 60, 1)


def results_rows(attempts, *, questions: int) -> Iterator[list]:
    marks = Prefetch(
        "questions",
        queryset=AttemptQuestion.objects.only("attempt_id", "position", "mark").order_by(
            "position"
        ),
    )
    for attempt in attempts.prefetch_related(marks).iterator(chunk_size=CHUNK):
        staff = attempt.staff
        by_position = {aq.position: aq.mark for aq in attempt.questions.all()}
        yield [
            staff.employee_no,
            staff.full_name,
            staff.department.label,
            staff.job_role.label,
            attempt.number,
            Attempt.State(attempt.state).label,
            attempt.started_at,
            attempt.finished_at,
            duration_minutes(attempt),
            attempt.marks,
            attempt.max_marks,
            attempt.percent,
            attempt.passed,
            attempt.excluded,
            attempt.needs_grading,
            *(by_position.get(n) for n in range(questions)),
        ]
