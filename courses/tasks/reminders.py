"""Celery tasks for reminders: see courses/services/reminders.py."""

import smtplib
from datetime import date

from celery import shared_task

from ..services import reminders as services


@shared_task(
    acks_late=True,
    # Sent reminders are claimed, so a retry (or a redelivery) sends only what did not go out.
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
    time_limit=30 * 60,
    soft_time_limit=28 * 60,
)
def reminders_send_task(today: str | None = None) -> dict:
    """Daily (beat): learner reminders, and on Mondays the managers' digests."""
    return services.reminders_send(today=date.fromisoformat(today) if today else None)
