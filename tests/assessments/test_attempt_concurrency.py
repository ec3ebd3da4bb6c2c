"""Races on real PostgreSQL connections (one thread and connection each, released together by
a barrier): submits, duplicate starts, saves against the deadline and stale sequence numbers,
and overlapping sweeps. SQLite has no row locks and serialises writers anyway, so these run on
PostgreSQL only (skipped locally without it, failing in CI)."""

import threading
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from assessments.models import Attempt, AttemptQuestion, Exam
from assessments.services.attempts import (
    GRACE,
    SaveRefused,
    answers_save,
    attempt_start,
    attempt_submit,
    attempts_sweep,
)
from courses.models import Assignment, Curriculum, CurriculumItem
from courses.services.enrolment import assignments_recompute
from portal.records.models import AuditEvent
from tests.assessments.factories import exam, question
from tests.conftest import has_postgres, need
from tests.factories import StaffFactory

pytestmark = pytest.mark.postgres

RIGHT = {"choice": 0}


def race(action, times: int) -> tuple[list, list[Exception]]:
    """Run `action()` `times` times at once; return the results and the exceptions."""
    results, errors = [], []
    start = threading.Barrier(times)

    def worker():
        try:
            start.wait(timeout=30)
            results.append(action())
        except Exception as exc:  # surfaced to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def assign(e, member):
    """The exam is in the member's curriculum (so a pass completes an assignment)."""
    curriculum = Curriculum.objects.create(name="Exams", job_role=member.job_role)
    CurriculumItem.objects.create(
        curriculum=curriculum,
        content_type=ContentType.objects.get_for_model(Exam),
        object_id=e.pk,
        due_rule=CurriculumItem.DueRule.FIXED,
        due_date=date(2030, 1, 1),
    )
    assignments_recompute()


def audit_count(action: str, attempt) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(attempt.pk)).count()


def test_simultaneous_submits_grade_once(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = StaffFactory()
    e = exam(questions=[question(), question()], pass_mark_percent=50)
    assign(e, nurse)
    attempt = attempt_start(exam=e, staff=nurse)
    answers_save(
        attempt=attempt, staff=nurse, answers=[{"position": 0, "seq": 1, "response": RIGHT}]
    )

    def submit():
        # Each thread loads its own copy, as two browser tabs' requests would.
        return attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk), staff=nurse)

    results, errors = race(submit, 8)

    assert errors == []
    assert {r.state for r in results} == {Attempt.State.FINISHED}
    assert len({r.finished_at for r in results}) == 1
    assert audit_count("attempt.finish", attempt) == 1
    assert AuditEvent.objects.filter(action="item.complete", object_id=str(e.pk)).count() == 1
    attempt.refresh_from_db()
    assert attempt.percent == 50 and attempt.passed is True
    assignment = Assignment.objects.get(staff=nurse, object_id=e.pk)
    assert assignment.completed_at is not None


def test_concurrent_duplicate_starts_make_one_attempt(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = StaffFactory()
    e = exam(questions=[question() for _ in range(5)])

    results, errors = race(lambda: attempt_start(exam=e, staff=nurse), 10)

    assert errors == []
    assert len({r.pk for r in results}) == 1
    assert Attempt.objects.filter(exam=e, staff=nurse).count() == 1
    assert AttemptQuestion.objects.filter(attempt__exam=e).count() == 5


def test_many_people_start_at_once(transactional_db):
    need(has_postgres(), "PostgreSQL")
    staff = [StaffFactory() for _ in range(12)]
    e = exam(questions=[question() for _ in range(10)])
    queue = list(staff)
    lock = threading.Lock()

    def start():
        with lock:
            member = queue.pop()
        return attempt_start(exam=e, staff=member)

    results, errors = race(start, len(staff))

    assert errors == []
    assert len({r.pk for r in results}) == len(staff)
    assert AttemptQuestion.objects.filter(attempt__exam=e).count() == 10 * len(staff)


def test_saves_after_the_grace_are_refused_while_the_sweeper_runs(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = StaffFactory()
    attempt = attempt_start(exam=exam(questions=[question()], time_limit_minutes=10), staff=nurse)
    answers_save(
        attempt=attempt, staff=nurse, answers=[{"position": 0, "seq": 1, "response": RIGHT}]
    )
    late = attempt.deadline + GRACE + timedelta(seconds=1)
    roles = ["sweep"] * 3 + ["save"] * 5
    lock = threading.Lock()

    def save_or_sweep():
        with lock:
            role = roles.pop()
        if role == "sweep":
            return attempts_sweep(now=late)
        answers_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            staff=nurse,
            answers=[{"position": 0, "seq": 2, "response": {"choice": 1}}],
            now=late,
        )
        return "saved"

    results, errors = race(save_or_sweep, 8)

    # A sweep or a refused save (finishing it lazily) finished it: exactly one of them.
    assert "saved" not in results and sum(results) <= 1
    assert len(errors) == 5 and all(isinstance(e, SaveRefused) and e.overdue for e in errors)
    aq = AttemptQuestion.objects.get(attempt=attempt)
    assert (aq.response, aq.seq) == (RIGHT, 1)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.finished_at == attempt.deadline
    assert attempt.percent == 100
    assert audit_count("attempt.finish", attempt) == 1


def test_a_stale_sequence_number_never_overwrites_a_newer_answer(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = StaffFactory()
    attempt = attempt_start(exam=exam(questions=[question()]), staff=nurse)
    seqs = list(range(1, 21))
    lock = threading.Lock()

    def save():
        with lock:
            seq = seqs.pop()  # the newest first: most of the others arrive stale
        return seq, answers_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            staff=nurse,
            answers=[{"position": 0, "seq": seq, "response": {"choice": seq % 3}}],
        )

    results, errors = race(save, 20)

    assert errors == []
    aq = AttemptQuestion.objects.get(attempt=attempt)
    assert (aq.seq, aq.response) == (20, {"choice": 20 % 3})
    accepted = {seq for seq, result in results if result.accepted == [0]}
    stale = {seq for seq, result in results if result.stale == [0]}
    assert 20 in accepted and accepted | stale == set(range(1, 21)) and not accepted & stale


def test_replayed_older_saves_are_all_refused(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = StaffFactory()
    attempt = attempt_start(exam=exam(questions=[question()]), staff=nurse)
    newest = {"position": 0, "seq": 50, "response": RIGHT}
    answers_save(attempt=attempt, staff=nurse, answers=[newest])
    seqs = list(range(1, 11))
    lock = threading.Lock()

    def replay():
        with lock:
            seq = seqs.pop()
        return answers_save(
            attempt=Attempt.objects.get(pk=attempt.pk),
            staff=nurse,
            answers=[{"position": 0, "seq": seq, "response": {"choice": 2}}],
        )

    results, errors = race(replay, 10)

    assert errors == []
    assert all(result.stale == [0] and result.accepted == [] for result in results)
    aq = AttemptQuestion.objects.get(attempt=attempt)
    assert (aq.seq, aq.response) == (50, RIGHT)


def test_the_sweeper_run_concurrently_finishes_each_attempt_once(transactional_db):
    need(has_postgres(), "PostgreSQL")
    e = exam(questions=[question()], time_limit_minutes=5)
    attempts = [attempt_start(exam=e, staff=StaffFactory()) for _ in range(6)]
    later = timezone.now() + timedelta(minutes=10)

    results, errors = race(lambda: attempts_sweep(now=later), 4)

    assert errors == []
    assert sum(results) == 6
    for attempt in attempts:
        attempt.refresh_from_db()
        assert attempt.state == Attempt.State.FINISHED
        assert attempt.finished_at == attempt.deadline
        assert audit_count("attempt.finish", attempt) == 1
