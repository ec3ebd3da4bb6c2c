import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from freezegun import freeze_time

from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from portal.records.services import GENESIS_HASH, audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _three_events():
    actor = UserFactory()
    return [
        audit_record(
            action="staff.update",
            actor=actor,
            object_type="org.staffmember",
            object_id=7,
            before={"title": "护士"},
            after={"title": "护师"},
            ip="10.0.0.5",
        ),
        audit_record(action="roster.import", actor=actor, after={"new": 12, "date": "2026-01-01"}),
        audit_record(action="auth.login_failed", actor_label="nobody@hospital.example"),
    ]


def test_events_form_a_chain():
    # Migrate itself audits the role permissions it sets up, so the chain may not start here.
    before = AuditEvent.objects.order_by("-id").first()
    first, second, third = _three_events()
    assert first.prev_hash == (before.hash if before else GENESIS_HASH)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit_chain_verify().ok


def test_verify_command_prints_ok(capsys):
    _three_events()
    call_command("audit_verify")
    assert f"OK: {AuditEvent.objects.count()} audit events" in capsys.readouterr().out


def test_row_changed_with_raw_sql_is_detected():
    _, second, _ = _three_events()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE records_auditevent SET after = %s WHERE id = %s", ['{"new": 13}', second.pk]
        )
    result = audit_chain_verify()
    assert not result.ok
    assert result.broken_id == second.pk
    with pytest.raises(CommandError, match=f"BROKEN at event {second.pk}"):
        call_command("audit_verify")


def test_row_deleted_with_raw_sql_is_detected():
    first, second, third = _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM records_auditevent WHERE id = %s", [second.pk])
    result = audit_chain_verify()
    assert not result.ok and result.broken_id == third.pk


def test_newest_rows_deleted_is_detected():
    _first, _second, third = _three_events()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM records_auditevent WHERE id = %s", [third.pk])
    result = audit_chain_verify()
    assert not result.ok and "newest events were removed" in result.reason


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = _three_events()[0]
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "staff.update"


@freeze_time("2026-03-01 08:30:00.123456")
def test_hash_is_stable_after_reload():
    _three_events()
    assert audit_chain_verify().ok
    reloaded = AuditEvent.objects.filter(at__year=2026, at__month=3)
    assert reloaded.count() == 3
    assert all(e.at.microsecond == 123456 for e in reloaded)


def test_nightly_check_records_its_outcome():
    from django.conf import settings

    from portal.records.tasks import audit_chain_check_task

    _three_events()
    assert audit_chain_check_task.delay().get() is True
    event = AuditEvent.objects.latest("id")
    assert event.action == "audit.verify" and event.after["ok"] is True
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-chain-check"]
    assert schedule["task"] == audit_chain_check_task.name


def test_nightly_check_reports_a_broken_chain():
    from portal.records.services import audit_chain_attest

    _, second, _ = _three_events()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_auditevent SET action = 'x' WHERE id = %s", [second.pk])
    assert audit_chain_attest() is False
    event = AuditEvent.objects.latest("id")
    assert event.action == "audit.verify_failed" and event.after["broken_id"] == second.pk
