"""`manage.py recompute_status`: --check reports differences between the status table and a
recompute (exit 1), --fix repairs them through the status service, audited."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assessments.models import Certificate, CertificationStatus
from assessments.services.certification import status_refresh
from portal.records.models import AuditEvent
from tests.assessments.certification_factories import certify, track
from tests.factories import StaffFactory, job_role

pytestmark = pytest.mark.django_db
S = CertificationStatus.Status


def _days_ago(days: int) -> str:
    return (timezone.localdate() - timedelta(days=days)).isoformat()


def _run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("recompute_status", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def certified():
    t = track(code="cashier-his", courses=1)
    person = StaffFactory(job_role=job_role("cashier"))
    certify(person, t, when=_days_ago(30))
    status_refresh(staff_ids=[person.pk])
    return person, t


def test_a_clean_table_exits_0(certified):
    StaffFactory(job_role=job_role("cashier"))  # no row yet: that is a difference...
    status_refresh()  # ...until everyone is refreshed
    code, out = _run("--check")
    assert code == 0
    assert "checked 2 staff, 2 rows in" in out and out.rstrip().endswith(": no differences")


def test_a_tampered_row_is_reported_then_fixed_and_audited(certified):
    person, t = certified
    CertificationStatus.objects.filter(staff=person).update(status=S.EXPIRED, requirements_done=1)

    code, out = _run("--check")
    assert code == 1
    assert f"{person.employee_no} cashier-his: status: expired → certified" in out
    assert f"{person.employee_no} cashier-his: requirements_done: 1 → 3" in out
    assert "checked 1 staff, 1 rows in" in out and ": 2 differences" in out
    assert CertificationStatus.objects.get(staff=person).status == S.EXPIRED  # check only

    code, out = _run("--fix")
    assert code == 0, out
    assert CertificationStatus.objects.get(staff=person).status == S.CERTIFIED
    event = AuditEvent.objects.get(action="certification.recompute_fix")
    assert event.actor_label == "manage.py recompute_status"
    assert event.after["differences"] == 2 and event.after["staff_ids"] == [person.pk]
    assert out.rstrip().endswith(": no differences")  # the re-check after the fix

    assert _run("--check")[0] == 0


def test_a_certificate_due_but_not_issued_is_reported_and_fix_issues_it():
    t = track(code="nurse-his", role="nurse", courses=0)
    person = StaffFactory(job_role=job_role("nurse"))
    certify(person, t, when=_days_ago(30))  # evidence written, nobody refreshed

    code, out = _run("--check")
    assert code == 1
    assert f"{person.employee_no} nurse-his: certificate: none → due, valid {_days_ago(30)}" in out
    assert not Certificate.objects.exists()

    code, out = _run("--fix")
    assert code == 0, out
    cert = Certificate.objects.get(staff=person)
    assert CertificationStatus.objects.get(staff=person).certificate == cert
    event = AuditEvent.objects.get(action="certification.recompute_fix")
    assert event.after["certificates_issued"] == [cert.code]
    assert _run("--check")[0] == 0


def test_staff_limits_the_check(certified):
    person, _t = certified
    other = StaffFactory(job_role=job_role("cashier"))  # no row: a difference
    code, out = _run("--check", "--staff", person.employee_no)
    assert code == 0 and "checked 1 staff, 1 rows" in out
    code, out = _run("--check", "--staff", person.employee_no, "--staff", other.employee_no)
    assert code == 1 and f"{other.employee_no} cashier-his: row: none → not_started" in out
    with pytest.raises(CommandError, match="unknown employee number: NOPE"):
        call_command("recompute_status", "--check", "--staff", "NOPE", stdout=StringIO())


def test_check_or_fix_is_required():
    with pytest.raises(CommandError, match="one of the arguments --check --fix is required"):
        call_command("recompute_status", stdout=StringIO())
    with pytest.raises(CommandError, match="not allowed with argument"):
        call_command("recompute_status", "--check", "--fix", stdout=StringIO())
