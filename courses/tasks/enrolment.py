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
