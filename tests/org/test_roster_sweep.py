from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from freezegun import freeze_time

from portal.org.models import RosterImport
from portal.org.tasks import roster_import_sweep_task

pytestmark = pytest.mark.django_db

Status = RosterImport.Status


def _import(status, days_old):
    with freeze_time(timezone.now() - timedelta(days=days_old)):
        return RosterImport.objects.create(
            filename="r.csv", content=b"employee_no,...", sha256="a" * 64, status=status
        )


def test_stale_previews_expire_and_old_files_are_dropped():
    fresh = _import(Status.PREVIEWED, days_old=2)
    stale = _import(Status.PREVIEWED, days_old=8)
    old_applied = _import(Status.APPLIED, days_old=31)
    queued = _import(Status.CONFIRMED, days_old=40)

    assert roster_import_sweep_task.delay().get() == {"expired": 1, "files_dropped": 1}

    for item in (fresh, stale, old_applied, queued):
        item.refresh_from_db()
    assert fresh.status == Status.PREVIEWED and bytes(fresh.content)
    assert stale.status == Status.FAILED and "expired" in stale.errors[0]["message"]
    assert old_applied.status == Status.APPLIED and bytes(old_applied.content) == b""
    assert queued.status == Status.CONFIRMED and bytes(queued.content)
    # A second night changes nothing more.
    assert roster_import_sweep_task.delay().get() == {"expired": 0, "files_dropped": 0}


def test_sweep_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["roster-import-sweep"]
    assert entry["task"] == roster_import_sweep_task.name
