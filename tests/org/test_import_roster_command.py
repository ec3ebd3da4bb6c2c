"""manage.py import_roster FILE: a dry run by default, --apply to write, --deactivate-missing."""

import io
import json

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from portal.org.models import StaffMember
from portal.records.models import AuditEvent
from portal.records.selectors import audit_chain_verify
from tests.factories import DepartmentFactory, StaffFactory
from tests.org.test_roster_read import cells, db_counts, roster_csv, roster_xlsx


@pytest.fixture
def ed(db):
    return DepartmentFactory(code="ED")


@pytest.fixture
def staff(ed):
    return StaffFactory(employee_no="E1", full_name="Old Hand", department=ed)


def run(path, *options) -> tuple[int, dict]:
    """Run the command; return its exit code and the JSON report it printed."""
    out = io.StringIO()
    try:
        call_command("import_roster", str(path), *options, stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(out.getvalue())


@pytest.fixture
def clean_file(tmp_path, staff):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        roster_csv(
            [
                cells(employee_no="N1", full_name="王芳", email="wang.fang@hospital.example"),
                cells(employee_no="N2", full_name="李明"),
            ]
        )
    )
    return path


@pytest.fixture
def bad_file(tmp_path, staff):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        roster_csv(
            [
                cells(employee_no="N1", email="n1@hospital.example"),
                cells(employee_no="N2", role_code="pilot", hire_date="2023-02-30"),
            ]
        )
    )
    return path


def test_dry_run_reports_counts_and_changes_nothing(clean_file):
    before = db_counts()

    code, report = run(clean_file)

    assert code == 0
    assert report["file"] == str(clean_file)
    assert report["applied"] is False
    assert {k: report[k] for k in ("rows", "new", "changed", "unchanged", "missing")} == {
        "rows": 2,
        "new": 2,
        "changed": 0,
        "unchanged": 0,
        "missing": 1,
    }
    assert report["errors"] == []
    assert db_counts() == before


def test_dry_run_with_errors_exits_1_and_lists_them(bad_file):
    before = db_counts()

    code, report = run(bad_file)

    assert code == 1
    assert report["applied"] is False
    assert report["errors"] == [
        {"row": 3, "column": "role_code", "message": "Unknown job role code pilot."},
        {"row": 3, "column": "hire_date", "message": "2023-02-30 is not a real date."},
    ]
    assert db_counts() == before


def test_apply_with_errors_applies_nothing(bad_file):
    before = db_counts()

    code, report = run(bad_file, "--apply", "--deactivate-missing")

    assert code == 1
    assert report["applied"] is False
    assert len(report["errors"]) == 2
    assert db_counts() == before


def test_file_level_error_has_no_row_or_column(tmp_path, staff):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    code, report = run(path, "--apply")

    assert code == 1
    assert report["errors"] == [{"row": None, "column": None, "message": "The file is empty."}]


def test_missing_file_is_a_command_error(tmp_path, db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_roster", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_apply_writes_and_invites(clean_file, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code, report = run(clean_file, "--apply")

    assert code == 0
    assert report["applied"] is True
    assert (report["new"], report["deactivated"], report["errors"]) == (2, 0, [])
    assert StaffMember.objects.get(employee_no="N1").full_name == "王芳"
    assert StaffMember.objects.get(employee_no="N1").user.email == "wang.fang@hospital.example"
    staff.refresh_from_db()
    assert staff.active is True  # missing, but not deactivated without the option
    assert [m.to for m in mail.outbox] == [["wang.fang@hospital.example"]]
    event = AuditEvent.objects.get(action="roster.import")
    assert event.actor_label == "system via import_roster roster.csv"
    assert audit_chain_verify().ok


def test_apply_no_invite(clean_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        code, _report = run(clean_file, "--apply", "--no-invite")

    assert code == 0
    assert StaffMember.objects.filter(employee_no__in=["N1", "N2"]).count() == 2
    assert mail.outbox == []


def test_apply_deactivate_missing(tmp_path, clean_file, staff):
    staff_before = StaffMember.objects.count()

    code, report = run(clean_file, "--apply", "--deactivate-missing", "--no-invite")

    assert code == 0
    assert (report["applied"], report["missing"], report["deactivated"]) == (True, 1, 1)
    staff.refresh_from_db()
    staff.user.refresh_from_db()
    assert (staff.active, staff.user.is_active) == (False, False)
    assert StaffMember.objects.count() == staff_before + 2  # nobody deleted


def test_applying_the_same_xlsx_twice(tmp_path, ed):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_xlsx([cells(employee_no=2001, full_name="王芳")]))

    first = run(path, "--apply", "--no-invite")
    second = run(path, "--apply", "--no-invite")

    assert (first[0], first[1]["new"]) == (0, 1)
    assert (second[0], second[1]["new"], second[1]["changed"], second[1]["unchanged"]) == (
        0,
        0,
        0,
        1,
    )
    assert StaffMember.objects.get().employee_no == "2001"
