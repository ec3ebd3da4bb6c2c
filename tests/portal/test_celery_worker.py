"""A real Celery worker on Redis applies a confirmed roster import, and only after the commit.

Everything else in the suite runs tasks eagerly; this test switches that off, publishes to the
broker in CELERY_BROKER_URL and lets a worker subprocess (same code, the test database) run it.
"""

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from portal.accounts import roles
from portal.celery import app
from portal.org import services
from portal.org.models import RosterImport, StaffMember
from tests.conftest import has_postgres, has_redis_broker, need
from tests.factories import DepartmentFactory, job_role, person, shift

TASK = "portal.org.tasks.roster_import_apply_task"
# The worker's log lines for our task (Celery 5: "Task <name>[<id>] received / succeeded ...").
RECEIVED = re.compile(rf"Task {re.escape(TASK)}\[[0-9a-f-]+\] received")
SUCCEEDED = re.compile(rf"Task {re.escape(TASK)}\[[0-9a-f-]+\] succeeded in .*: 'applied'")
WORKER_BOOT_SECONDS = 60
APPLY_SECONDS = 60
ROSTER = (
    "employee_no,full_name,email,department_code,role_code,title,shift,hire_date,active\r\n"
    "W0001,韩雪,han.xue@hospital.example,ED,nurse,护士,day,2026-09-01,yes\r\n"
    "W0002,邓凯,deng.kai@hospital.example,ED,nurse,护师,night,2026-09-01,yes\r\n"
).encode()


def _test_database_url() -> str:
    """The database this test runs on (test_readyline), as the worker's DATABASE_URL."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


def _start_worker(queue: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        # Its own queue, so no other worker on this broker (a `make run` next door) takes the
        # task, and nothing left in the default queue reaches this worker.
        "--queues",
        queue,
        "--hostname",
        f"{queue}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    log = log_path.open("wb")
    try:
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        log.close()  # the child holds its own descriptor


def _wait_for(condition, seconds: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def _stop_worker(worker: subprocess.Popen):
    if worker.poll() is None:
        worker.terminate()  # warm shutdown
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def _delete_queue(queue: str):
    """Remove the per-test queue and its binding from the broker (best effort: a broker that has
    gone away must not hide the test's own failure)."""
    from kombu import Exchange, Queue

    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        bound = Queue(queue, Exchange(queue), routing_key=queue)(conn.default_channel)
        bound.declare()
        bound.delete()


@pytest.fixture
def celery_publishes_to():
    """Tasks go to the broker (not inline) and to a queue of this test's own; restored after."""
    queue = f"readyline-test-{uuid.uuid4().hex[:12]}"
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        app.conf.update(saved)


@pytest.mark.postgres
@pytest.mark.redis
def test_confirmed_import_is_applied_by_a_real_worker_after_commit(
    transactional_db, role_groups, celery_publishes_to, tmp_path
):
    need(has_redis_broker(), "Redis")
    need(has_postgres(), "PostgreSQL")

    hr = person([roles.HR])
    DepartmentFactory(code="ED", name="Emergency")
    job_role("nurse")
    shift("day")
    shift("night")
    imp = services.roster_import_create(actor=hr.user, filename="worker.csv", data=ROSTER)
    assert imp.status == RosterImport.Status.PREVIEWED, imp.errors

    queue = celery_publishes_to
    log_path = tmp_path / "worker.log"
    worker = _start_worker(queue, log_path)

    def log() -> str:
        return log_path.read_text(errors="replace")

    try:
        assert _wait_for(
            lambda: " ready." in log() or worker.poll() is not None, WORKER_BOOT_SECONDS
        ), f"the worker did not start within {WORKER_BOOT_SECONDS} s:\n{log()}"
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{log()}"

        with transaction.atomic():
            assert services.roster_import_confirm(
                actor=hr.user, roster_import=imp, deactivate_missing=False
            )
            # Give a (wrongly) early message time to reach the running worker: nothing may
            # be sent, let alone applied, before the commit.
            time.sleep(2)
            assert not RECEIVED.search(log()), f"task sent before commit:\n{log()}"
            imp.refresh_from_db()
            assert imp.status == RosterImport.Status.CONFIRMED
            assert not StaffMember.objects.filter(employee_no__startswith="W").exists()

        def applied() -> bool:
            return (
                RosterImport.objects.filter(pk=imp.pk, status=RosterImport.Status.APPLIED).exists()
                or worker.poll() is not None
            )

        assert _wait_for(applied, APPLY_SECONDS, interval=0.5), (
            f"not applied within {APPLY_SECONDS} s:\n{log()}"
        )
        imp.refresh_from_db()
        assert imp.status == RosterImport.Status.APPLIED, log()
        assert imp.summary["new"] == 2
        new_staff = StaffMember.objects.filter(employee_no__in=["W0001", "W0002"])
        assert sorted(new_staff.values_list("user__email", flat=True)) == [
            "deng.kai@hospital.example",
            "han.xue@hospital.example",
        ]
        assert {m.department.code for m in new_staff} == {"ED"}
        # The worker logs success once the task returns, which is after its commit and after
        # the invitations that commit sends: wait for the line rather than expect it already.
        assert RECEIVED.search(log()), log()
        assert _wait_for(lambda: SUCCEEDED.search(log()), APPLY_SECONDS), log()
    finally:
        _stop_worker(worker)
        _delete_queue(queue)
