"""Two workers running the reminder job at the same moment (beat twice, or a redelivered task
while the first still runs) send each reminder once: the unique claim decides (PostgreSQL;
SQLite serialises writers anyway)."""

import threading
from datetime import date, timedelta
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection

from courses.models import Assignment, Notification, ReminderSent
from courses.services import reminders as services
from portal.accounts import roles
from portal.org.models import JobRole
from tests.conftest import has_postgres, need
from tests.factories import job_role, person

WEDNESDAY = date(2025, 3, 12)


@pytest.mark.postgres
def test_two_runs_at_once_send_each_reminder_once(transactional_db, role_groups):
    need(has_postgres(), "PostgreSQL")
    # Any model can be an assigned item; a job role keeps this test free of Wagtail pages.
    item = job_role("nurse")
    item_type = ContentType.objects.get_for_model(JobRole)
    people = [person([roles.LEARNER]) for _ in range(20)]
    Assignment.objects.bulk_create(
        Assignment(
            staff=member,
            content_type=item_type,
            object_id=item.pk,
            due_date=WEDNESDAY + timedelta(days=1 + i % 7) - timedelta(days=3 * (i % 2)),
        )
        for i, member in enumerate(people)
    )
    both_ready = threading.Barrier(2)
    claim = services.reminders_claim

    def claim_together(claims):
        both_ready.wait(timeout=30)  # both runs insert their claims at the same moment
        return claim(claims)

    errors, counts = [], []

    def worker():
        try:
            counts.append(services.reminders_send(today=WEDNESDAY)["learners"])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    with (
        mock.patch.object(services, "reminders_claim", claim_together),
        # Several transactions per run, while the rows stream from a held server-side cursor.
        mock.patch.object(services, "PEOPLE_PER_TRANSACTION", 3),
    ):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sum(counts) == 20  # each batch won by one run or the other, never both
    assert len(mail.outbox) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.user.email for p in people)
    assert Notification.objects.count() == 20
    assert ReminderSent.objects.count() == 20
