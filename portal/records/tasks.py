from celery import shared_task

from . import services


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
def audit_chain_check_task() -> bool:
    return services.audit_chain_attest()
