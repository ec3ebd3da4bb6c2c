"""Celery tasks: see courses/services/enrolment.py."""

from celery import shared_task
from django.db import OperationalError

from courses.services import enrolment


@shared_task(
    acks_late=True,
    # A busy database (SQLite's "database is locked", a PostgreSQL deadlock with a concurrent
    # run) is worth another try; the recompute is idempotent, so a retry or a redelivery after a
    # lost worker changes nothing twice.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
)
def assignments_recompute_task(staff_ids: list[int] | None = None) -> dict:
    return enrolment.assignments_recompute(staff_ids=staff_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def assignment_counts_daily_task() -> int:
    """Beat, daily: recount the people whose overdue count no longer holds (an open assignment
    fell due), so that readiness has few to count from the assignments themselves."""
    from courses.services.assignment_counts import assignment_counts_daily

    return assignment_counts_daily()
