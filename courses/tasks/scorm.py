"""Celery tasks of SCORM playback: thin and idempotent."""

from celery import shared_task

from ..services import scorm


@shared_task(acks_late=True, time_limit=10 * 60)
def scorm_storage_sweep_task() -> int:
    """Remove extracted package folders that no package owns (uploads rolled back, deletions
    whose file removal failed). Safe to run at any time and twice; schedule it nightly."""
    return scorm.scorm_storage_sweep()
