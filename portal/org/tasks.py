import smtplib

from celery import shared_task

from . import services


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def roster_import_apply_task(roster_import_id: int) -> str:
    try:
        return services.roster_import_apply(roster_import_id=roster_import_id).status
    except Exception as exc:
        # Rolled back; record the failure so the import does not stay "Queued" for ever.
        services.roster_import_fail(roster_import_id=roster_import_id, error=exc)
        raise


@shared_task(
    acks_late=True,
    # smtplib's errors (a dropped or refusing mail server) are not ConnectionErrors.
    autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
    time_limit=15 * 60,
)
def staff_invite_task(staff_ids: list[int]) -> int:
    return services.staff_invite_send(staff_ids=staff_ids)


@shared_task(time_limit=10 * 60)
def roster_import_sweep_task() -> dict:
    return services.roster_import_sweep()
