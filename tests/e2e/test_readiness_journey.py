"""The readiness journey: the Emergency manager sees her department amber on the wave's heat
map, opens it and drills down to the three overdue nurses; the rollout lead records a no-go
with a condition and downloads the evidence pack, whose PDF names the wave and Emergency.
(The access list with an approved exception: test_readiness_access.py.)"""

import io
import re
from datetime import date, timedelta

import pypdf
import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from assessments.services.certification import status_refresh
from content.setup import site_tree_ensure
from courses.models import Assignment, CoursePage
from portal.org.models import Department, StaffMember
from portal.readiness.models import Criterion, Decision
from tests.assessments.certification_factories import certify, track
from tests.conftest import has_chromium, need
from tests.courses.factories import course
from tests.readiness.factories import wave

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

MANAGER = "manager@readyline.example"
LEAD = "rollout-lead@readyline.example"


def _setup():
    """Emergency's nurses 85 % certified (amber: green from 90 %); everyone in Emergency has an
    assignment, done but for three nurses (overdue about 6 %: amber, green up to 5 %)."""
    site_tree_ensure()
    ed = Department.objects.get(code="ED")
    pilot = wave([ed], timezone.localdate() + timedelta(days=21), name="Pilot wave")
    for kind, (green, amber) in Criterion.DEFAULTS.items():
        Criterion.objects.create(wave=pilot, kind=kind, green=green, amber=amber)
    everyone = list(StaffMember.objects.filter(department=ed, active=True))
    nurses = sorted(
        (s for s in everyone if s.job_role.code == "nurse"), key=lambda s: s.employee_no
    )
    nurse_track = track(role="nurse", courses=0)
    certified = -(-len(nurses) * 85 // 100)
    when = (timezone.localdate() - timedelta(days=30)).isoformat()
    for member in nurses[:certified]:
        certify(member, nurse_track, when=when, percent=92)
    status_refresh(staff_ids=[n.pk for n in nurses])
    page = course(roles=("nurse",), lessons=0, title="MAR basics")
    overdue = nurses[-3:]
    Assignment.objects.bulk_create(
        Assignment(
            staff=member,
            content_type=ContentType.objects.get_for_model(CoursePage),
            object_id=page.pk,
            due_date=timezone.localdate() - timedelta(days=4),
            completed_at=None if member in overdue else timezone.now(),
        )
        for member in everyone
    )
    return pilot, ed, overdue


def test_manager_drills_down_and_the_lead_records_a_no_go(page, hospital):
    need(has_chromium(), "Chromium")
    pilot, ed, overdue = _setup()

    login(page, MANAGER)
    page.locator('nav.nav a[data-nav="readiness"]').click()
    page.get_by_role("link", name="Pilot wave").click()
    row = page.locator(f'tr[data-department="{ed.code}"]')
    expect(row.locator(".rag").first).to_have_text("Amber")
    screenshot(page, "readiness-wave")
    row.get_by_role("link", name=ed.name).click()
    expect(page.locator("h1 .rag")).to_have_text("Amber")
    page.get_by_role("link", name="Overdue people").click()
    people = page.locator("table.people tbody tr")
    expect(people).to_have_count(3)
    for member in overdue:
        expect(page.locator(f'tr[data-person="{member.employee_no}"]')).to_contain_text("1")
    screenshot(page, "readiness-overdue-people")

    page.context.clear_cookies()
    login(page, LEAD)
    page.goto(f"/readiness/waves/{pilot.pk}/")
    page.get_by_role("link", name="Record a decision").click()
    page.locator('input[name="outcome"][value="no_go"]').check()
    page.fill("#rationale", "Night shift coverage is short and three nurses are overdue.")
    page.fill('input[name="condition_text_0"]', "Overdue nurses finish MAR basics")
    page.fill('input[name="condition_owner_0"]', "Head nurse, Emergency")
    due = (date.today() + timedelta(days=7)).isoformat()
    page.fill('input[name="condition_due_0"]', due)
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_url(re.compile(r"/readiness/decisions/\d+/$"))
    expect(page.locator("h1")).to_contain_text("No-go")
    expect(page.locator("body")).to_contain_text("Overdue nurses finish MAR basics")
    screenshot(page, "readiness-decision")
    decision = Decision.objects.get(wave=pilot)
    assert decision.outcome == "no_go" and decision.conditions.count() == 1

    href = page.get_by_role("link", name="Download PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages)
    assert "Pilot wave" in text and ed.name in text
    assert page.js_errors == [], page.js_errors
