"""The seed-user acceptance journey: the Emergency manager nominates a night nurse; the rollout
lead approves; the nurse completes the seed-user course (her certification already scores
above the threshold) and becomes a certified seed user; the manager starts her floor duty; she
logs a coaching session; the manager confirms it; the points are in her HR record; and the
coverage page still shows Emergency's night shift one seed user short."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.services.certification import status_refresh
from content.setup import site_tree_ensure
from portal.org.models import StaffMember
from seedusers.models import Nomination, Programme
from tests.assessments.certification_factories import certify, track
from tests.conftest import has_chromium, need
from tests.courses.factories import course

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
MANAGER = "manager@readyline.example"
LEAD = "rollout-lead@readyline.example"
HR = "hr@readyline.example"


def _setup():
    nurse = StaffMember.objects.select_related("department", "shift").get(user__email=NURSE)
    # Certified on her role's track with a score above the seed-user threshold (85).
    nurse_track = track(role="nurse", courses=0, name="Nurses: new HIS")
    certify(
        nurse,
        nurse_track,
        when=(timezone.now() - timezone.timedelta(days=20)).date().isoformat(),
        percent=95,
    )
    status_refresh(staff_ids=[nurse.pk])
    site_tree_ensure()  # the live server's database is flushed between browser tests
    toolkit = course(roles=(), lessons=1, title="Seed-user toolkit")
    night = StaffMember.objects.filter(
        department=nurse.department, shift=nurse.shift, active=True
    ).count()
    assert night >= 2, "the demo's Emergency night shift has colleagues"
    # Two seed users needed on Emergency's night shift: she fills one place, one stays open.
    programme = Programme.objects.create(
        name="Go-live seed users", staff_per_seed_user=-(-night // 2), min_months_service=0
    )
    programme.advanced_courses.set([toolkit])
    return nurse, toolkit, programme


def test_nurse_becomes_an_active_seed_user_and_her_points_reach_hr(page, hospital):
    need(has_chromium(), "Chromium")
    nurse, toolkit, programme = _setup()

    # The manager nominates her.
    login(page, MANAGER)
    page.locator('nav.nav a[data-nav="seedusers"]').click()
    page.get_by_role("link", name="Nominate a seed user").click()
    option = page.locator("#id_staff option", has_text=nurse.full_name)
    page.select_option("#id_staff", value=option.get_attribute("value"))
    page.fill("#id_reason", "Colleagues on nights already ask her how the new MAR works.")
    screenshot(page, "seed-nominate")
    page.get_by_role("button", name="Nominate").click()
    expect(page.locator(".messages")).to_contain_text("is nominated")
    expect(page.locator("h1 .badge")).to_have_text("Nominated")

    # The rollout lead approves.
    page.context.clear_cookies()
    login(page, LEAD)
    page.locator('nav.nav a[data-nav="seedusers"]').click()
    row = page.locator("tr", has_text=nurse.full_name)
    row.get_by_role("link", name="Decide").click()
    expect(page.locator("ul.checks").first).to_contain_text("Proficiency score at least 75")
    screenshot(page, "seed-decide")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".messages")).to_contain_text("Approved")
    expect(page.locator("h1 .badge")).to_have_text("In training")

    # The nurse completes the seed-user course: she is a certified seed user.
    page.context.clear_cookies()
    login(page, NURSE)
    page.locator('nav.nav a[data-nav="seedusers"]').click()
    expect(page.locator("h2 .badge")).to_have_text("In training")
    page.get_by_role("link", name="Seed-user toolkit").click()
    lesson = toolkit.get_children().first()
    page.goto(lesson.url)
    page.locator("form[data-complete] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    page.goto("/seed-users/me/")
    expect(page.locator("h2 .badge")).to_have_text("Certified seed user")
    assert Nomination.objects.get(staff=nurse).status == "certified"

    # The manager starts her floor duty.
    page.context.clear_cookies()
    login(page, MANAGER)
    page.goto("/seed-users/")
    page.locator("tr", has_text=nurse.full_name).get_by_role("link", name="Open").click()
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("h1 .badge")).to_have_text("Active")

    # She logs a coaching session.
    page.context.clear_cookies()
    login(page, NURSE)
    page.goto("/seed-users/me/")
    form = page.locator("#log-activity")
    form.locator("#id_kind").select_option("coaching")
    form.locator("#id_minutes").fill("40")
    form.locator("#id_colleagues").fill("3")
    form.locator("#id_topic").fill("Barcode scanning at the bedside")
    form.get_by_role("button", name="Log it").click()
    expect(page.locator(".messages")).to_contain_text("Logged")
    expect(page.locator("table")).to_contain_text("Waiting for confirmation")
    screenshot(page, "seed-my-page")

    # The manager confirms it.
    page.context.clear_cookies()
    login(page, MANAGER)
    page.goto("/seed-users/")
    page.get_by_role("link", name="Activities to confirm").click()
    row = page.locator("tr", has_text="Barcode scanning at the bedside")
    row.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("Confirmed")

    # The coverage page: Emergency's night shift is still one seed user short.
    page.get_by_role("link", name="Coverage").click()
    department = page.locator(f'section.coverage[data-department="{nurse.department.code}"]')
    night = department.locator(f'tr[data-shift="{nurse.shift.code}"]')
    expect(night).to_contain_text("1 missing")
    expect(night.locator("td").nth(3)).to_have_text("1")  # active: her
    screenshot(page, "seed-coverage")

    # HR sees her seed-user service and points on her record.
    page.context.clear_cookies()
    login(page, HR)
    page.locator('nav.nav a[data-nav="hr_records"]').click()
    page.goto(f"/records/hr/staff/{nurse.pk}/")
    section = page.locator("h2", has_text="Seed-user service")
    expect(section).to_be_visible()
    table = page.locator("h2:has-text('Seed-user service') + table")
    expect(table).to_contain_text("Go-live seed users")
    expect(table).to_contain_text("Active")
    expect(table.locator("tbody tr td").last).to_have_text(str(programme.points_coaching))
    screenshot(page, "seed-hr-transcript")
    assert page.js_errors == [], page.js_errors
    assert re.search(r"/records/hr/staff/\d+/$", page.url)
