from celery import shared_task

from . import services
from .hr_exports import SOFT_TIME_LIMIT, TIME_LIMIT
from .models import HrExport


@shared_task(time_limit=60 * 60, soft_time_limit=55 * 60)
def audit_chain_check_task() -> bool:
    return services.audit_chain_attest()


@shared_task(acks_late=True, time_limit=TIME_LIMIT, soft_time_limit=SOFT_TIME_LIMIT)
def hr_export_task(export_id: int) -> str:
    """Thin and idempotent: only the delivery that moves the export from queued to running
    writes the file (a duplicate delivery or a retry finds it claimed and does nothing); a
    failure, the soft time limit too, is recorded on the export for the page to show. Nothing
    here is transient, so nothing is retried."""
    from . import hr_exports

    if not hr_exports.hr_export_claim(export_id=export_id):
        return "skipped"
    try:
        return hr_exports.hr_export_run(export_id=export_id).status
    except Exception as error:  # recorded on the export (and logged), shown to HR
        hr_exports.hr_export_fail(export_id=export_id, error=error)
        return HrExport.Status.FAILED
