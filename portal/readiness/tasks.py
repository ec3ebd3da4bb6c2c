"""Celery tasks of readiness: thin and idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
)
def readiness_snapshot_task() -> int:
    """Beat, daily: today's snapshot of every open wave (a rerun rewrites today's rows)."""
    from .snapshots import snapshots_take

    return snapshots_take()
