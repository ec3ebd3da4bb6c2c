"""The feedback loop in a browser: the demo nurse reports a problem in a lesson and rates the
course; the demo trainer finds the report on the Wagtail dashboard and the triage list, resolves
it, and the nurse sees the trainer's note under the lesson."""

import re

import pytest
from playwright.sync_api import expect

from courses.models import CourseRating, ProblemReport
from portal.records.models import AuditEvent
from tests.conftest import has_chromium, need

from .conftest import TIMEOUT_MS, login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
TRAINER = "trainer@readyline.example"
PROBLEM = "The screen in the lesson no longer matches the system: the scan button moved to the top."


def _site_tree_ensure():
    from content.setup import site_tree_ensure

    site_tree_ensure()


@pytest.fixture
def lesson(hospital):
    from tests.courses.factories import course, lesson

    _site_tree_ensure()
    page = course(title="Barcode medication administration", roles=("nurse",), lessons=0)
    return lesson(
        page,
        title="Scan the wristband before every dose",
        body=[("text", "<p>Open the medication round and press <b>Scan</b>.</p>")],
    )


def _second_person(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context


def test_nurse_reports_trainer_resolves(page, browser, live_server, lesson):
    need(has_chromium(), "Chromium")
    course_page = lesson.get_parent().specific

    # The nurse reports a problem under the lesson.
    login(page, NURSE)
    page.goto(lesson.url)
    expect(page.locator("h1")).to_have_text("Scan the wristband before every dose")
    report_box = page.locator("details.report-problem")
    expect(report_box.locator("textarea")).not_to_be_visible()
    report_box.locator("summary").click()
    report_box.locator("textarea").fill("   ")
    report_box.get_by_role("button", name="Send report").click()
    # Only spaces: refused with its message, on the report page, nothing saved.
    expect(page.locator(".errorlist")).to_have_text(
        "Describe the problem before sending the report."
    )
    assert not ProblemReport.objects.exists()
    screenshot(page, "feedback-01-empty-report-refused")

    page.goto(lesson.url)
    page.locator("details.report-problem summary").click()
    page.locator("details.report-problem textarea").fill(PROBLEM)
    screenshot(page, "feedback-02-nurse-reports")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(re.escape(lesson.url) + "$"))
    expect(page.locator(".messages")).to_contain_text("the trainers will look at your report")
    expect(page.locator(".own-reports li")).to_contain_text("Open")
    screenshot(page, "feedback-03-nurse-report-sent")
    report = ProblemReport.objects.get()
    assert report.staff.user.email == NURSE and report.lesson_id == lesson.pk

    # She rates the course two stars, with a comment.
    page.goto(course_page.url)
    rating = page.locator("section.feedback-rating")
    rating.locator('label[for$="-2"]').click()
    rating.locator("textarea").fill("The screenshots are from the old version.")
    rating.get_by_role("button", name="Send rating").click()
    page.wait_for_url(re.compile(re.escape(course_page.url) + "$"))
    expect(page.locator(".own-rating")).to_contain_text("★★☆☆☆")
    screenshot(page, "feedback-04-nurse-rated")
    assert CourseRating.objects.get().stars == 2
    # A second submit changes her rating; she still has one.
    rating.locator("details.change-rating summary").click()
    rating.locator('label[for$="-3"]').click()
    rating.get_by_role("button", name="Update my rating").click()
    expect(page.locator(".messages")).to_contain_text("Your rating is updated.")
    expect(page.locator(".own-rating")).to_contain_text("★★★☆☆")
    assert list(CourseRating.objects.values_list("stars", flat=True)) == [3]

    # Learners do not reach the triage list.
    assert page.goto("/learning/feedback/").status == 403

    # The trainer sees it on the Wagtail dashboard...
    trainer_context = _second_person(browser, live_server)
    trainer = trainer_context.new_page()
    login(trainer, TRAINER)
    trainer.goto("/cms/")
    panel = trainer.locator("#courses-feedback-section")
    expect(panel).to_contain_text("1 open problem report")
    expect(panel).to_contain_text("the scan button moved")
    expect(panel).to_contain_text("Barcode medication administration")
    screenshot(trainer, "feedback-05-trainer-dashboard")

    # ...and follows it to the triage list.
    panel.get_by_role("link", name="1 open problem report").click()
    trainer.wait_for_url(re.compile(r"/learning/feedback/\?status=open$"))
    row = trainer.locator(f'tr[data-report="{report.pk}"]')
    expect(row).to_contain_text("林晓燕")
    expect(row).to_contain_text("Emergency")
    expect(row).to_contain_text("the scan button moved")
    expect(row.get_by_role("link", name="Scan the wristband before every dose")).to_have_attribute(
        "href", lesson.url
    )
    expect(trainer.locator("tr[data-course]")).to_contain_text("Barcode medication administration")
    screenshot(trainer, "feedback-06-triage-list")

    row.locator("details.resolve summary").click()
    row.locator("textarea").fill("Screenshots replaced for HIS v2.3; the scan button is on top.")
    screenshot(trainer, "feedback-07-resolving")
    row.get_by_role("button", name="Mark resolved").click()
    trainer.wait_for_url(re.compile(r"/learning/feedback/\?status=open$"))
    expect(trainer.locator(".messages")).to_contain_text("The report is resolved.")
    expect(trainer.locator('[data-count="open"] b')).to_have_text("0")
    expect(trainer.locator(f'tr[data-report="{report.pk}"]')).to_have_count(0)
    trainer.locator('select[name="status"]').select_option("resolved")
    trainer.get_by_role("button", name="Filter").click()
    expect(trainer.locator(f'tr[data-report="{report.pk}"]')).to_contain_text("Resolved")
    screenshot(trainer, "feedback-08-resolved")
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_by.email == TRAINER
    assert AuditEvent.objects.filter(
        action="feedback.report_resolve", object_id=str(report.pk)
    ).exists()

    # The dashboard count drops; the nurse sees the trainer's note under the lesson.
    trainer.goto("/cms/")
    expect(trainer.locator("#courses-feedback-section")).to_contain_text("0 open problem reports")
    page.goto(lesson.url)
    expect(page.locator(".own-reports li")).to_contain_text("Screenshots replaced for HIS v2.3")
    screenshot(page, "feedback-09-nurse-sees-resolution")

    # The triage list in Chinese.
    trainer.goto("/learning/feedback/?status=")
    trainer.locator('button[data-lang="zh-hans"]').click()
    expect(trainer.locator("html")).to_have_attribute("lang", "zh-hans")
    screenshot(trainer, "feedback-10-triage-zh")
    assert page.js_errors == []
    trainer_context.close()
