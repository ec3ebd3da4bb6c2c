"""The access list journey: the Emergency manager finds an uncertified nurse on the wave's "no
training, no access" list and requests an exception for her; the rollout lead approves it; the
list then shows the nurse with access by the approved exception and its end date."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.services.certification import status_refresh
from portal.org.models import Department, StaffMember
from portal.readiness.models import AccessException
from tests.assessments.certification_factories import certify, track
from tests.conftest import has_chromium, need
from tests.readiness.access_factories import access_wave

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

MANAGER = "manager@readyline.example"
LEAD = "rollout-lead@readyline.example"


def _setup():
    """A pilot wave holding Emergency, two thirds of its nurses certified; the nurse asked for
    is the first uncertified one in the list's order (so she is on its first page)."""
    ed = Department.objects.get(code="ED")
    pilot = access_wave([ed], name="Pilot wave", dual_track_days=30)
    everyone = list(
        StaffMember.objects.filter(department=ed, active=True).order_by("full_name", "employee_no")
    )
    nurses = [s for s in everyone if s.job_role.code == "nurse"]
    nurse_track = track(role="nurse", courses=0)
    when = (timezone.localdate() - timedelta(days=30)).isoformat()
    certified = nurses[1::3] + nurses[2::3]
    for member in certified:
        certify(member, nurse_track, when=when, percent=92)
    status_refresh(staff_ids=[n.pk for n in nurses])
    target = next(s for s in everyone if s.job_role.code == "nurse" and s not in certified)
    return pilot, ed, target


def test_manager_requests_an_exception_and_the_lead_approves_it(page, hospital):
    need(has_chromium(), "Chromium")
    pilot, ed, nurse = _setup()
    until = timezone.localdate() + timedelta(days=10)

    login(page, MANAGER)
    page.locator('nav.nav a[data-nav="readiness"]').click()
    page.get_by_role("link", name="Pilot wave").click()
    page.get_by_role("link", name="No training, no access").click()
    page.locator('select[name="department"]').select_option(str(ed.pk))
    page.get_by_label("No access only").check()
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'table.access tr[data-person="{nurse.employee_no}"]')
    expect(row.locator("td.access")).to_have_text("no access")
    row.get_by_role("link", name="Request an exception").click()
    expect(page.locator("h1")).to_have_text("Request an access exception")
    expect(page.locator("body")).to_contain_text(nurse.full_name)
    page.fill("#reason", "Transferred from Paediatrics; MAR training booked for next week.")
    page.fill("#expires_on", until.isoformat())
    page.get_by_role("button", name="Request the exception").click()
    page.wait_for_url(re.compile(rf"/readiness/waves/{pilot.pk}/access/$"))
    expect(page.locator(".messages")).to_contain_text("is requested")
    expect(page.locator(f'#open-requests tr[data-person="{nurse.employee_no}"]')).to_be_visible()
    # A manager sees her open request but cannot decide it.
    expect(page.locator("#open-requests").get_by_role("button", name="Approve")).to_have_count(0)

    page.context.clear_cookies()
    login(page, LEAD)
    page.goto(f"/readiness/waves/{pilot.pk}/")
    page.get_by_role("link", name="No training, no access").click()
    request = page.locator(f'#open-requests tr[data-person="{nurse.employee_no}"]')
    expect(request).to_contain_text("MAR training booked")
    expect(request).to_contain_text(until.isoformat())
    request.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text(f"approved until {until.isoformat()}")
    expect(page.locator("#open-requests")).to_have_count(0)
    page.locator('select[name="department"]').select_option(str(ed.pk))
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'table.access tr[data-person="{nurse.employee_no}"]')
    expect(row.locator("td.exception")).to_have_text(f"approved until {until.isoformat()}")
    expect(row.locator("td.access")).to_have_text("access")
    screenshot(page, "readiness-access-list")
    granted = AccessException.objects.get(wave=pilot, staff=nurse)
    assert granted.status == "approved" and granted.expires_on == until
    assert page.js_errors == [], page.js_errors
