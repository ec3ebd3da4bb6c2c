"""HR uploads a roster, previews, confirms and sees it applied; a bad file changes nothing."""

import re

import pytest
from django.core import mail
from django.db import transaction
from playwright.sync_api import expect

from portal.org.models import RosterImport, StaffMember
from portal.org.tasks import roster_import_apply_task
from tests.conftest import has_chromium, need

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

HEADER = "employee_no,full_name,email,department_code,role_code,title,shift,hire_date,active"
GOOD_ROWS = [
    # Two new nurses in the emergency department.
    "N9001,王新月,wang.xinyue@hospital.example,ED,nurse,护士,day,2026-09-01,yes",
    "N9002,李春华,li.chunhua@hospital.example,ED,nurse,护师,night,2026-09-01,yes",
    # The demo learner nurse (D0001) is promoted: 护师 -> 主管护师.
    "D0001,林晓燕,learner-nurse@readyline.example,ED,nurse,主管护师,night,2015-03-01,yes",
]
BAD_ROWS = [
    "N9003,张明,zhang.ming@hospital.example,ED,nurse,护士,day,2026-09-01,yes",
    "N9004,刘洋,liu.yang@hospital.example,NOPE,nurse,护士,day,2026-09-01,yes",
]


def _csv(tmp_path, name: str, rows: list[str]):
    path = tmp_path / name
    # UTF-8 with a BOM and CRLF, as Excel saves "CSV UTF-8".
    path.write_bytes(("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8"))
    return path


def _stat(page, kind: str) -> int:
    return int(page.locator(f".stats .stat.{kind} b").inner_text())


def _upload(page, path):
    page.locator('nav.nav a[data-nav="roster"]').click()
    page.wait_for_url(re.compile(r"/org/roster/$"))
    assert page.get_by_role("link", name="Download the template (CSV)").count() == 1
    page.set_input_files('input[name="file"]', str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r"/org/roster/\d+/$"))


def test_hr_imports_a_roster_and_a_bad_file_changes_nothing(page, tmp_path, monkeypatch):
    need(has_chromium(), "Chromium")
    held: list[int] = []
    monkeypatch.setattr(
        roster_import_apply_task,
        "delay_on_commit",
        lambda pk: transaction.on_commit(lambda: held.append(pk)),
    )
    login(page, "hr@readyline.example")
    staff_before = StaffMember.objects.count()
    screenshot(page, "roster-01-signed-in")

    # Upload: the preview counts two new people and one change, and applies nothing yet.
    _upload(page, _csv(tmp_path, "ed-nurses.csv", GOOD_ROWS))
    assert page.locator("#import-status").inner_text() == "Ready to confirm"
    assert (_stat(page, "new"), _stat(page, "changed")) == (2, 1)
    changed = page.locator("section", has=page.get_by_role("heading", name="Changed staff"))
    assert "D0001" in changed.inner_text()
    assert "主管护师" in changed.inner_text()
    new = page.locator("section", has=page.get_by_role("heading", name="New staff"))
    assert "N9001" in new.inner_text() and "N9002" in new.inner_text()
    assert StaffMember.objects.count() == staff_before
    screenshot(page, "roster-02-preview")

    # Confirm. The task is held back (as if the worker were busy) so the page shows the queued
    # state; then the worker runs it and the page's poller reloads into Applied.
    page.get_by_role("button", name="Confirm and apply").click()
    page.wait_for_url(re.compile(r"/org/roster/\d+/$"))
    expect(page.locator("#import-status")).to_have_text("Queued")
    expect(page.locator("#import-progress")).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text("Waiting for the background worker…")
    assert held == [RosterImport.objects.get().pk], "the task is queued once, after the commit"
    assert StaffMember.objects.count() == staff_before
    screenshot(page, "roster-03-queued")

    with page.expect_response(lambda r: r.url.endswith("/progress/")):
        pass  # the page polls its progress URL while the import is queued
    roster_import_apply_task.delay(held[0])  # eager in tests: runs here, now
    expect(page.locator("#import-status")).to_have_text("Applied")
    progress = page.locator("#import-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    expect(page.locator("#progress-text")).to_have_text("Applied.")
    screenshot(page, "roster-04-applied")

    imp = RosterImport.objects.get()
    assert imp.status == RosterImport.Status.APPLIED
    assert StaffMember.objects.count() == staff_before + 2
    new_staff = StaffMember.objects.filter(employee_no__in=["N9001", "N9002"])
    assert {m.department.code for m in new_staff} == {"ED"}
    assert {m.job_role.code for m in new_staff} == {"nurse"}
    assert StaffMember.objects.get(employee_no="D0001").title == "主管护师"
    # The new nurses were invited once the import had committed.
    invited = sorted(addr for message in mail.outbox for addr in message.to)
    assert invited == ["li.chunhua@hospital.example", "wang.xinyue@hospital.example"]

    # A bad file: the row and column are named and nothing changes.
    staff_after = StaffMember.objects.count()
    _upload(page, _csv(tmp_path, "bad-department.csv", BAD_ROWS))
    assert page.locator("#import-status").inner_text() == "Has errors"
    alert = page.get_by_role("alert")
    assert "nothing has been changed" in alert.inner_text()
    cells = alert.locator("table.errors tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["3", "department_code", "Unknown department code NOPE."]
    assert page.get_by_role("button", name="Confirm and apply").count() == 0
    screenshot(page, "roster-05-bad-file")

    assert StaffMember.objects.count() == staff_after
    assert not StaffMember.objects.filter(employee_no__in=["N9003", "N9004"]).exists()
    assert RosterImport.objects.filter(status=RosterImport.Status.INVALID).count() == 1

    # Both imports are listed, newest first.
    page.locator('nav.nav a[data-nav="roster"]').click()
    statuses = page.locator("table tbody .badge").all_inner_texts()
    assert statuses == ["Has errors", "Applied"]
    screenshot(page, "roster-06-list")
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"
