"""Celery tasks of the seed-user programmes: thin and idempotent."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=10 * 60,
    soft_time_limit=8 * 60,
)
def seed_training_refresh_task(staff_ids: list[int] | None = None) -> int:
    """Move these people's nominations to where their training evidence puts them (a rerun
    changes nothing). None: everybody's (the daily run, for training windows that opened)."""
    from .services import seed_training_refresh

    return seed_training_refresh(staff_ids=staff_ids)
