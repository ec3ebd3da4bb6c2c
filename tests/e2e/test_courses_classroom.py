"""Classroom sessions in the browser: the demo nurse books the last seat and downloads the
calendar file, a second nurse goes on the waiting list, the first cancels, and the second is
promoted automatically and sees it (with a notification and an e-mail)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from courses.models import Booking, Notification
from portal.accounts import roles
from portal.demo.hospital import PASSWORD
from portal.org.models import Department, StaffMember
from tests.conftest import has_chromium, need
from tests.courses.factories import course
from tests.courses.test_classroom_helpers import (
    classroom,
    seat,
    site_tree_ensure,
    trainer_permissions_grant,
)
from tests.factories import person

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
SECOND = "wu.min@hospital.example"
S = Booking.Status


def _second_nurse():
    member = person([roles.LEARNER], department=Department.objects.get(code="ED"))
    user = member.user
    user.email, user.first_name = SECOND, "吴敏"
    user.set_password(PASSWORD)
    user.save()
    user.groups.add(Group.objects.get(name=roles.LEARNER))
    member.full_name = "吴敏"
    member.save()
    return member


def _sign_out(page):
    page.context.clear_cookies()


def test_book_the_last_seat_waitlist_cancel_and_promotion(page, hospital):
    need(has_chromium(), "Chromium")
    site_tree_ensure()
    course_page = course(
        title="Barcode medication administration: hands-on",
        title_zh="扫码给药：实操课",
        lessons=0,
    )
    trainer = StaffMember.objects.get(user__email="trainer@readyline.example").user
    session = classroom(
        course_page,
        capacity=2,
        starts_in=timedelta(days=2),
        room="Skills lab 2, IT building",
        trainer=trainer,
    )
    colleague = StaffMember.objects.filter(job_role__code="nurse", employee_no__startswith="E")
    seat(session, colleague.first())  # one of the two seats is taken already
    second = _second_nurse()
    sessions_url = f"/learning/courses/{course_page.pk}/sessions/"
    row = f'tr[data-session="{session.pk}"]'

    # The demo nurse sees one seat left and books it.
    login(page, NURSE)
    page.goto(sessions_url)
    assert page.locator("h1").inner_text() == "Classroom sessions"
    assert "1 seat left of 2" in page.locator(f"{row} td.seats").inner_text()
    screenshot(page, "classroom-1-nurse-sees-last-seat")
    page.click(f'{row} button[data-action="book"]')
    page.wait_for_url(re.compile(re.escape(sessions_url) + "$"))
    assert "Booked: your seat is reserved." in page.locator(".messages").inner_text()
    assert "Full" in page.locator(f"{row} td.seats").inner_text()
    assert page.locator(f'{row} [data-status="booked"]').is_visible()
    screenshot(page, "classroom-2-nurse-booked")

    # ... and downloads the calendar entry.
    with page.expect_download() as download_info:
        page.click(f"{row} a:has-text('Add to calendar')")
    download = download_info.value
    assert download.suggested_filename == f"session-{session.pk}.ics"
    ics = open(download.path(), "rb").read()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"\r\nBEGIN:VEVENT\r\n" in ics and ics.endswith(b"END:VCALENDAR\r\n")
    assert b"LOCATION:Skills lab 2\\, IT building\r\n" in ics
    start_utc = session.starts_at.strftime("%Y%m%dT%H%M%SZ").encode()
    assert b"DTSTART:" + start_utc in ics
    assert b"STATUS:CONFIRMED" in ics

    # A second nurse finds the session full and joins the waiting list.
    _sign_out(page)
    login(page, SECOND)
    page.goto(sessions_url)
    page.click(f'{row} button[data-action="waitlist"]')
    assert "you are on the waiting list" in page.locator(".messages").inner_text()
    page.goto("/learning/sessions/mine/")
    status = page.locator(f'#upcoming tr[data-session="{session.pk}"] [data-status]')
    assert status.get_attribute("data-status") == "waitlisted"
    assert "No. 1" in status.inner_text()
    screenshot(page, "classroom-3-second-nurse-waitlisted")

    # The demo nurse cancels from her own list ...
    _sign_out(page)
    login(page, NURSE)
    page.goto("/learning/sessions/mine/")
    screenshot(page, "classroom-4-nurse-my-sessions")
    page.click(f'#upcoming tr[data-session="{session.pk}"] button[data-action="cancel"]')
    assert "Your booking is cancelled." in page.locator(".messages").inner_text()
    screenshot(page, "classroom-5-nurse-cancelled")

    # ... and the second nurse has been promoted, told in the portal and by e-mail.
    promoted = Booking.objects.get(session=session, staff=second)
    assert promoted.status == S.BOOKED
    assert Notification.objects.filter(user=second.user).count() == 1
    assert [m.to for m in mail.outbox] == [[SECOND]]
    _sign_out(page)
    login(page, SECOND)
    page.goto("/learning/sessions/mine/")
    status = page.locator(f'#upcoming tr[data-session="{session.pk}"] [data-status]')
    assert status.get_attribute("data-status") == "booked"
    screenshot(page, "classroom-6-second-nurse-promoted")

    # The same page in Simplified Chinese.
    page.click('button[data-lang="zh-hans"]')
    page.wait_for_selector('html[lang="zh-hans"]')
    assert "扫码给药：实操课" in page.locator("#upcoming").inner_text()
    screenshot(page, "classroom-7-second-nurse-promoted-zh")
    assert page.js_errors == []


def test_the_trainer_plans_sessions_and_marks_attendance(page, hospital):
    need(has_chromium(), "Chromium")
    site_tree_ensure()
    trainer_permissions_grant()
    course_page = course(title="Nurse shift handover in the new HIS", lessons=0)
    nurse = StaffMember.objects.get(user__email=NURSE)
    colleague = StaffMember.objects.filter(job_role__code="nurse", employee_no__startswith="E")[0]
    started = classroom(course_page, capacity=8, starts_in=timedelta(minutes=-30), room="Ward 5")
    attended, absent = seat(started, nurse), seat(started, colleague)
    classroom(course_page, capacity=12, starts_in=timedelta(days=5), room="Skills lab 1")

    login(page, "trainer@readyline.example")
    page.goto("/cms/courses/sessions/")
    assert page.locator("td:has-text('Skills lab 1')").count() >= 1
    screenshot(page, "classroom-8-trainer-admin-list")
    page.goto("/cms/courses/sessions/new/")
    assert page.locator('input[name="capacity"]').get_attribute("min") == "1"
    screenshot(page, "classroom-8b-trainer-admin-add")

    page.goto(f"/learning/sessions/{started.pk}/attendance/")
    assert page.locator("h1").inner_text() == "Attendance"
    page.check(f'input[name="booking-{attended.pk}"][value="attended"]')
    page.check(f'input[name="booking-{absent.pk}"][value="absent"]')
    page.click('button:has-text("Save attendance")')
    assert "Attendance saved." in page.locator(".messages").inner_text()
    assert page.is_checked(f'input[name="booking-{attended.pk}"][value="attended"]')
    screenshot(page, "classroom-9-trainer-attendance")
    statuses = dict(Booking.objects.filter(session=started).values_list("pk", "status"))
    assert statuses == {attended.pk: S.ATTENDED, absent.pk: S.ABSENT}
