"""Celery tasks of the exams: thin, idempotent (see assessments/services/attempts.py)."""

from celery import shared_task
from django.db import OperationalError

from .services import attempts


@shared_task(
    acks_late=True,
    # A busy database is worth another try: each attempt is finished by a conditional UPDATE,
    # so a retry, a redelivery or a run overlapping the previous one finishes nothing twice.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    # Beat sends one every minute: a run still waiting after two is superseded by a newer one.
    expires=120,
    time_limit=5 * 60,
    soft_time_limit=4 * 60,
)
def attempts_sweep_task() -> int:
    """Finish the attempts whose deadline plus grace has passed (finish time = deadline)."""
    return attempts.attempts_sweep()
