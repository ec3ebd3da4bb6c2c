"""The courses acceptance journey, end to end: a trainer authors and publishes a course with a
procedure lesson in the Wagtail admin; a curriculum assigns it to nurses; a nurse added by a
roster import gets it after one task run, accepts her invitation, completes the course; her
manager sees it done on the chase list."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from playwright.sync_api import expect

from courses.demo_content import build_courses
from courses.models import Assignment, CourseIndexPage, CoursePage, Curriculum, CurriculumItem
from courses.services.enrolment import assignments_recompute
from portal.org.models import JobRole, StaffMember
from tests.conftest import has_chromium, need

from .conftest import login, screenshot
from .test_courses_authoring import add_child_page, publish, rich_text

pytestmark = pytest.mark.e2e

TRAINER, HR, MANAGER = (f"{who}@readyline.example" for who in ("trainer", "hr", "manager"))
COURSE, LESSON = "Blood transfusion checks in the new HIS", "Two-person bedside check"
NEW_NURSE = ("N7001", "邓雨欣", "deng.yuxin@hospital.example")
PASSWORD = "Transfusion-check-2026"


def test_authored_course_reaches_an_imported_nurse_and_her_manager(page, tmp_path):
    need(has_chromium(), "Chromium")
    build_courses()
    catalogue = CourseIndexPage.objects.get()

    # 1. The trainer writes and publishes the course and its procedure lesson.
    login(page, TRAINER)
    add_child_page(page, catalogue.pk, "coursepage")
    page.fill("#id_title", COURSE)
    page.press("#id_title", "Tab")
    rich_text(page, "id_summary", "Check blood products at the bedside with the HIS.")
    page.select_option("#id_job_roles", value=str(JobRole.objects.get(code="nurse").pk))
    publish(page, catalogue.pk)
    course = CoursePage.objects.get(title=COURSE)
    add_child_page(page, course.pk, "lessonpage")
    page.fill("#id_title", LESSON)
    page.press("#id_title", "Tab")
    body = page.locator('[data-contentpath="body"]')
    body.locator("button.c-sf-add-button").first.click()
    page.get_by_role("option", name="procedure", exact=True).click()
    page.fill("#body-0-value-title", "Bedside check")
    rich_text(page, "body-0-value-steps-0-value-instruction", "Scan the wristband and the bag.")
    page.fill("#body-0-value-steps-0-value-expected", "Both match the order.")
    publish(page, course.pk)
    screenshot(page, "journey-1-published")

    # 2. A curriculum assigns it to nurses, due 14 days after hire.
    curriculum = Curriculum.objects.create(
        name="Transfusion safety", job_role=JobRole.objects.get(code="nurse")
    )
    CurriculumItem.objects.create(
        curriculum=curriculum,
        content_type=ContentType.objects.get_for_model(CoursePage),
        object_id=course.pk,
        due_rule=CurriculumItem.DueRule.AFTER_HIRE,
        due_days=14,
    )
    assignments_recompute()

    # 3. HR imports the new nurse; the worker (eager here) applies it and recomputes her
    #    assignments after commit.
    page.context.clear_cookies()
    login(page, HR)
    number, name, email = NEW_NURSE
    roster = tmp_path / "new-nurse.csv"
    roster.write_text(
        "employee_no,full_name,email,department_code,role_code,title,shift,hire_date,active\n"
        f"{number},{name},{email},ED,nurse,护士,night,2026-11-20,yes\n",
        encoding="utf-8",
    )
    page.goto("/org/roster/")
    page.set_input_files("input[type=file]", str(roster))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("button", name="Confirm and apply").click()
    expect(page.locator("#import-status")).to_have_text("Applied", timeout=20_000)
    member = StaffMember.objects.get(employee_no=number)
    assert Assignment.objects.filter(staff=member, object_id=course.pk, status="active").exists()

    # 4. She accepts her invitation, chooses a password and completes the course.
    invitation = next(m for m in mail.outbox if email in m.to)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", invitation.body).group(0)
    page.context.clear_cookies()
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator('main button[name="action"]').click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    login(page, email, PASSWORD)
    item = page.locator("main a", has_text=COURSE).first
    expect(item).to_be_visible()
    screenshot(page, "journey-2-my-training")
    page.locator("a[data-action]").filter(has_text=re.compile("Start")).first.click()
    # Start resumes at the first lesson to do.
    expect(page.locator("h1")).to_have_text(LESSON)
    expect(page.locator(".procedure-step")).to_have_count(1)
    page.get_by_role("button", name="Mark as complete").click()
    page.goto("/training/")
    screenshot(page, "journey-3-done")
    assignment = Assignment.objects.get(staff=member, object_id=course.pk)
    assert assignment.completed_at is not None

    # 5. Her manager sees it done on the chase list.
    page.context.clear_cookies()
    login(page, MANAGER)
    page.goto("/learning/chase/?status=done")
    row = page.locator("tr", has_text=name).filter(has_text=COURSE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Done")
    screenshot(page, "journey-4-chase-list")
