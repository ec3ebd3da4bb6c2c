"""The Emergency department's manager finds her overdue nurse on the chase list, filters by
shift and downloads the list as CSV; the nurse reads her reminder on the notifications page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Assignment, CoursePage
from portal.org.models import StaffMember
from tests.conftest import has_chromium, need
from tests.courses.factories import course

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

MANAGER = "manager@readyline.example"
NURSE = "learner-nurse@readyline.example"  # Emergency, night shift
TITLE = "Barcode medication administration"


def _site_tree_ensure():
    from content.setup import site_tree_ensure

    site_tree_ensure()


def _overdue(member, page, days):
    return Assignment.objects.create(
        staff=member,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        due_date=timezone.localdate() - timedelta(days=days),
    )


def _emergency_with_overdue_nurses():
    """The demo nurse (night shift) and a day-shift colleague are overdue; a cardiology nurse
    too (another manager's department)."""
    _site_tree_ensure()
    page = course(TITLE, roles=("nurse",), lessons=2, title_zh="扫码给药")
    nurse = StaffMember.objects.get(user__email=NURSE)
    _overdue(nurse, page, days=5)
    colleague = (
        StaffMember.objects.filter(department__code="ED", job_role__code="nurse", shift__code="day")
        .exclude(user__email=MANAGER)
        .first()
    )
    _overdue(colleague, page, days=2)
    cardiology = StaffMember.objects.filter(department__code="CARD").first()
    _overdue(cardiology, page, days=9)
    return nurse, colleague, cardiology


def test_manager_chases_her_overdue_nurse_and_downloads_the_list(page):
    need(has_chromium(), "Chromium")
    nurse, colleague, cardiology = _emergency_with_overdue_nurses()
    login(page, MANAGER)

    page.goto("/learning/chase/")
    expect(page.locator("h1")).to_have_text("Chase list")
    table = page.locator("#chase-table")
    row = table.locator(f'tr[data-employee="{nurse.employee_no}"]')
    expect(row).to_contain_text(nurse.full_name)
    expect(row).to_contain_text("Overdue")
    expect(row).to_contain_text(TITLE)
    expect(table.locator(f'tr[data-employee="{colleague.employee_no}"]')).to_be_visible()
    expect(table).not_to_contain_text(cardiology.full_name)
    # The chart is drawn (Chart.js, vendored) with a bar for Emergency.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chase-chart'))"
    )
    labels = page.evaluate(
        "() => Chart.getChart(document.getElementById('chase-chart')).data.labels"
    )
    assert labels == ["Emergency"]
    screenshot(page, "chase-manager-en")

    # Night shift only: the demo nurse stays, her day-shift colleague goes.
    page.select_option("#id_shift", label="night · Night")
    page.click("#chase-filters button[type=submit]")
    page.wait_for_url(re.compile(r"shift="))
    expect(row).to_contain_text("Overdue")
    expect(table.locator("tbody tr")).to_have_count(1)
    screenshot(page, "chase-manager-night-shift")

    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert re.fullmatch(r"chase-list-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Name", "Employee number", "Department"]
    assert [r[0] for r in rows[1:]] == [nurse.full_name]
    assert rows[1][1] == nurse.employee_no
    assert rows[1][2] == "Emergency"
    assert rows[1][5] == TITLE
    assert rows[1][7] == "Overdue"

    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    from openpyxl import load_workbook

    download = download_info.value
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [nurse.full_name]

    # In Chinese, the same list names the department and the course in Chinese.
    page.click('button[data-lang="zh-hans"]')
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(row).to_contain_text("扫码给药")
    expect(row).to_contain_text("急诊科")
    screenshot(page, "chase-manager-zh")

    # HR sees every department: Emergency and Cardiology.
    page.click('button[data-lang="en"]')
    page.click("text=Sign out")
    login(page, "hr@readyline.example")
    page.goto("/learning/chase/")
    expect(page.locator("#chase-table")).to_contain_text(cardiology.full_name)
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chase-chart'))"
    )
    labels = page.evaluate(
        "() => Chart.getChart(document.getElementById('chase-chart')).data.labels"
    )
    assert labels == ["Emergency", "Cardiology"]  # most overdue first
    screenshot(page, "chase-hr-en")
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


def test_learner_is_refused_the_chase_list_and_reads_her_reminder(page):
    need(has_chromium(), "Chromium")
    from courses.services.reminders import reminders_send

    _emergency_with_overdue_nurses()
    reminders_send()
    login(page, NURSE)
    assert page.goto("/learning/chase/").status == 403
    assert page.goto("/learning/chase/export.csv").status == 403

    page.goto("/learning/notifications/")
    expect(page.locator("h1")).to_have_text("Notifications")
    notice = page.locator("#notifications li").first
    expect(notice).to_contain_text("Training overdue")
    expect(notice).to_contain_text(f"{TITLE} / 扫码给药")
    expect(notice.locator(".badge")).to_have_text("New")
    screenshot(page, "notifications-learner")
    page.click("text=Open")
    page.wait_for_url(re.compile(r"/training/$"))

    # Seen: no longer new.
    page.goto("/learning/notifications/")
    expect(page.locator("#notifications li .badge")).to_have_count(0)
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"
