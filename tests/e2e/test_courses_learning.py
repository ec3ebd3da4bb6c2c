"""A nurse finds her assigned course on My training, works through both lessons, and sees it
done at 100 %; My training also works on a phone."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Assignment, CoursePage, CourseProgress, LessonProgress
from portal.org.models import StaffMember
from tests.conftest import has_chromium, need
from tests.courses.factories import course

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
TITLE = "Barcode medication administration"


def _site_tree_ensure():
    from content.setup import site_tree_ensure

    site_tree_ensure()


def _assigned_course():
    """A nurses' course with two lessons, assigned to the demo nurse, due in two weeks."""
    _site_tree_ensure()
    page = course(TITLE, roles=("nurse",), lessons=2, title_zh="扫码给药")
    first, second = page.get_children().specific().order_by("path")
    first.title, second.title = "Scan the wristband", "Scan the medication and record"
    for lesson in (first, second):
        lesson.save_revision().publish()
    nurse = StaffMember.objects.get(user__email=NURSE)
    assignment, _created = Assignment.objects.get_or_create(
        staff=nurse,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=page.pk,
        defaults={"due_date": timezone.localdate() + timedelta(days=14)},
    )
    return page, nurse, assignment


def _row(page, assignment):
    return page.locator(f'li.training-item[data-assignment="{assignment.pk}"]')


def test_nurse_completes_an_assigned_course(page):
    need(has_chromium(), "Chromium")
    course_page, nurse, assignment = _assigned_course()
    login(page, NURSE)
    page.clock.install()  # the lesson page's minute timer, fast-forwarded below

    row = _row(page, assignment)
    expect(row.locator("[data-status-badge]")).to_have_text("Not started")
    expect(row.locator("[data-percent]")).to_have_text("0%")
    expect(row.locator('[data-action="start"]')).to_have_text("Start")
    screenshot(page, "learning-my-training-not-started")

    row.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(r"/courses/.+/lesson-\d+/$"))
    expect(page.locator("h1")).to_have_text("Scan the wristband")
    expect(page.get_by_role("button", name="Mark as complete")).to_be_visible()
    # The page reports its visit on load: the course now resumes here.
    _wait_for(lambda: CourseProgress.objects.filter(staff=nurse, course=course_page).exists())
    screenshot(page, "learning-lesson-1")
    # A minute on the page: the beacon reports it.
    page.clock.fast_forward("01:05")
    _wait_for(lambda: LessonProgress.objects.filter(staff=nurse, seconds_spent__gte=60).exists())

    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Scan the medication and record")
    expect(page.locator(".messages")).to_contain_text("completed")
    lesson_two = page.url

    # Halfway: the course page shows 50 % and resumes at the lesson she was on.
    page.locator("[data-course-link]").click()
    progress = page.locator("[data-course-progress]")
    expect(progress.locator("[data-percent]")).to_have_text("50%")
    expect(progress.locator("li[data-done]")).to_have_count(1)
    screenshot(page, "learning-course-in-progress")
    progress.locator('[data-action="resume"]').click()
    page.wait_for_url(lesson_two)
    page.get_by_role("button", name="Mark as complete").click()
    page.wait_for_url(re.compile(re.escape(course_page.url_path.removeprefix("/home")) + "$"))
    expect(page.locator(".messages")).to_contain_text(f"You completed the course “{TITLE}”")
    progress = page.locator("[data-course-progress]")
    expect(progress.locator("[data-percent]")).to_have_text("100%")
    expect(progress.locator("[data-progress-state]")).to_contain_text("Completed")
    expect(progress.locator("li[data-done]")).to_have_count(2)
    screenshot(page, "learning-course-completed")

    # Back on a finished lesson: its completion date, no second "Mark as complete".
    progress.locator("li[data-lesson] a").first.click()
    expect(page.locator("[data-lesson-done]")).to_contain_text("Completed on")
    expect(page.get_by_role("button", name="Mark as complete")).to_have_count(0)

    page.locator('nav.nav a[data-nav="training"]').click()
    page.wait_for_url(re.compile(r"/training/$"))
    row = _row(page, assignment)
    expect(row.locator("[data-status-badge]")).to_have_text("Done")
    expect(row.locator("[data-percent]")).to_have_text("100%")
    expect(row.locator('[data-action="review"]')).to_have_text("Review")
    screenshot(page, "learning-my-training-done")

    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    assert LessonProgress.objects.filter(staff=nurse, completed_at__isnull=False).count() == 2
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


def test_my_training_on_a_phone(browser, live_server, hospital):
    need(has_chromium(), "Chromium")
    _course_page, nurse, assignment = _assigned_course()
    overdue = course("Medication reconciliation at admission", roles=("nurse",), lessons=1)
    Assignment.objects.get_or_create(
        staff=nurse,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=overdue.pk,
        defaults={"due_date": timezone.localdate() - timedelta(days=3)},
    )
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        phone = context.new_page()
        login(phone, NURSE)
        rows = phone.locator("li.training-item")
        expect(rows.first.locator("[data-status-badge]")).to_have_text("Overdue")
        expect(_row(phone, assignment)).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"My training scrolls sideways on a phone ({width}px)"
        screenshot(phone, "learning-my-training-phone")

        phone.locator('button[data-lang="zh-hans"]').click()
        phone.wait_for_url(re.compile(r"/training/$"))
        expect(_row(phone, assignment).locator(".ti-title a")).to_have_text("扫码给药")
        screenshot(phone, "learning-my-training-phone-zh")
    finally:
        context.close()


def _wait_for(condition, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
