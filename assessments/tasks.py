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


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=30 * 60,
    soft_time_limit=25 * 60,
)
def status_refresh_task(staff_ids: list[int] | None = None, cause: str = "") -> dict:
    """Recompute these people's certification status (idempotent: a rerun changes nothing)."""
    from .services.certification import status_refresh

    report = status_refresh(staff_ids=staff_ids, cause=cause)
    return {"rows": report.rows, "changed": report.changed, "issued": len(report.certificates)}


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def certification_daily_task() -> dict:
    """Beat, daily: rows whose dates came (recertification opens, grace ends) are refreshed."""
    from django.utils import timezone

    from .services.certification import status_refresh, statuses_due_for_dates

    staff_ids = statuses_due_for_dates(today=timezone.localdate())
    report = status_refresh(staff_ids=staff_ids, cause="daily expiry check")
    return {"staff": len(staff_ids), "changed": report.changed}
