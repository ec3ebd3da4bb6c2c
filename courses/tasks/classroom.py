"""Celery tasks of the classroom sessions: thin, idempotent, enqueued after commit."""

import smtplib

from celery import shared_task

from ..services import classroom


@shared_task(
    acks_late=True,
    # smtplib's errors (a dropped or refusing mail server) are not ConnectionErrors.
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
    time_limit=5 * 60,
)
def booking_promoted_mail_task(notification_id: int, booking_id: int) -> bool:
    """Tell a person promoted from the waiting list by e-mail (at most once per promotion)."""
    return classroom.booking_promoted_mail_send(
        notification_id=notification_id, booking_id=booking_id
    )
