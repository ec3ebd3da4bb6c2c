"""Two transactions assigning to the same person at once both end up in the count: the recount
locks the person's row before it reads the assignments, so the second waits for the first and
then counts what it wrote (PostgreSQL; SQLite serialises writers anyway)."""

import threading
import time
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from courses.models import Assignment
from courses.services.assignment_counts import assignment_counts_refresh
from portal.org.models import JobRole, StaffMember
from tests.conftest import has_postgres, need
from tests.factories import job_role, person


@pytest.mark.postgres
def test_two_writers_at_once_are_both_counted(transactional_db):
    need(has_postgres(), "PostgreSQL")
    nurse = person()
    # Any model can be an assigned item; job roles keep this test free of Wagtail pages.
    items = [job_role("nurse"), job_role("cashier")]
    item_type = ContentType.objects.get_for_model(JobRole)
    first_counted, release = threading.Event(), threading.Event()
    errors = []

    def writer(item, first: bool):
        try:
            with transaction.atomic():
                Assignment.objects.create(
                    staff=nurse,
                    content_type=item_type,
                    object_id=item.pk,
                    due_date=date(2020, 1, 1),  # overdue
                )
                if first:
                    assignment_counts_refresh(staff_ids=[nurse.pk])
                    first_counted.set()
                    release.wait(timeout=30)  # holds its lock, its assignment uncommitted
                else:
                    first_counted.wait(timeout=30)
                    assignment_counts_refresh(staff_ids=[nurse.pk])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=(items[0], True)),
        threading.Thread(target=writer, args=(items[1], False)),
    ]
    for thread in threads:
        thread.start()
    first_counted.wait(timeout=30)
    time.sleep(0.5)  # the second writer reaches the lock and waits there
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    counted = StaffMember.objects.get(pk=nurse.pk)
    assert (counted.assignments_active, counted.assignments_overdue) == (2, 2)
