"""The first half of the courses acceptance journey: a trainer authors a course and a procedure
lesson in the Wagtail admin and publishes both; a nurse then reads the lesson with its steps."""

import re

import pytest
from django.urls import include, path
from playwright.sync_api import expect

import courses.admin.authoring  # noqa: F401  (the sign-in hook, as courses/wagtail_hooks.py will)
import portal.urls
from content.models import ManualPage, VideoTutorialPage
from courses.demo_content import build_courses
from courses.models import CourseIndexPage, CoursePage, LessonPage
from portal.org.models import JobRole
from tests.conftest import has_chromium, need

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e
# The help search, mounted as the integrator adds it to portal/urls.py (before Wagtail's pages).
urlpatterns = [path("help/search/", include("content.urls")), *portal.urls.urlpatterns]

TRAINER = "trainer@readyline.example"
NURSE = "learner-nurse@readyline.example"
COURSE = "Infusion pumps in the new HIS"
COURSE_ZH = "新HIS输液泵使用与记录"
LESSON = "Start an infusion from a signed order"
LESSON_ZH = "依据已签署医嘱启动输液"
STEPS = [
    ("Scan the patient's wristband, then the infusion bag.", "Green bar: right patient, drug."),
    ("Confirm the rate the HIS sends to the pump.", "The pump shows the rate from the order."),
]


def rich_text(page, field_id: str, text: str):
    """Type into the Draftail editor that stands for the hidden input `field_id`."""
    editor = page.locator(f"input#{field_id} + [data-draftail-editor-wrapper] [role=textbox]")
    editor.scroll_into_view_if_needed()
    editor.click()
    expect(editor).to_be_focused()
    editor.press_sequentially(text)
    expect(editor).to_have_text(text)
    # Draftail writes its JSON into the hidden input; wait for it before saving.
    expect(page.locator(f"input#{field_id}")).to_have_value(re.compile(re.escape(text[:20])))


def publish(page, parent_pk: int):
    """Open the footer's action menu, publish, and land back in the parent's listing."""
    menu = page.locator('[data-controller~="w-dropdown"]:has(button[name="action-publish"])')
    menu.locator('[data-w-dropdown-target="toggle"]').first.click()
    page.locator('button[name="action-publish"]').click()
    page.wait_for_url(re.compile(rf"/cms/pages/{parent_pk}/$"))
    expect(page.locator(".messages li.success")).to_contain_text("published")


def add_child_page(page, parent_pk: int, kind: str):
    page.goto(f"/cms/pages/{parent_pk}/")
    page.get_by_role("link", name=re.compile("Add child page")).first.click()
    # One allowed page type: Wagtail goes straight to its form.
    page.wait_for_url(re.compile(rf"/cms/pages/add/courses/{kind}/{parent_pk}/$"))


def test_trainer_publishes_a_procedure_lesson_and_a_nurse_reads_it(page):
    need(has_chromium(), "Chromium")
    build_courses()  # the demo catalogue, help centre and trainers' rights to author in it
    catalogue = CourseIndexPage.objects.get()
    nurse_role = JobRole.objects.get(code="nurse")

    # The trainer reaches the CMS from the portal's navigation.
    login(page, TRAINER)
    page.locator('nav.nav a[data-nav="cms"]').click()
    page.wait_for_url(re.compile(r"/cms/$"))

    # A course for nurses under Courses.
    add_child_page(page, catalogue.pk, "coursepage")
    page.fill("#id_title", COURSE)
    page.press("#id_title", "Tab")  # Wagtail fills the slug from the title on blur
    page.fill("#id_title_zh", COURSE_ZH)
    rich_text(
        page, "id_summary", "Start, change and stop infusions with the pump linked to the HIS."
    )
    page.select_option("#id_job_roles", value=str(nurse_role.pk))
    page.fill("#id_his_modules", "infusion pumps, medication administration")
    page.select_option("#id_level", "basic")
    page.fill("#id_estimated_minutes", "25")
    screenshot(page, "courses-authoring-1-course-form")
    publish(page, catalogue.pk)
    course = CoursePage.objects.get(title=COURSE)
    assert course.live and course.title_zh == COURSE_ZH
    assert list(course.job_roles.values_list("code", flat=True)) == ["nurse"]

    # A lesson under it with a two-step procedure.
    add_child_page(page, course.pk, "lessonpage")
    page.fill("#id_title", LESSON)
    page.press("#id_title", "Tab")
    page.fill("#id_title_zh", LESSON_ZH)
    body = page.locator('[data-contentpath="body"]')
    body.locator("button.c-sf-add-button").first.click()
    page.get_by_role("option", name="procedure", exact=True).click()
    page.fill("#body-0-value-title", "Start the infusion")
    rich_text(page, "body-0-value-steps-0-value-instruction", STEPS[0][0])
    page.fill("#body-0-value-steps-0-value-expected", STEPS[0][1])
    # Append a second step after the first.
    body.locator("[data-streamfield-list-add]").last.click()
    expect(page.locator("#body-0-value-steps-1-value-expected")).to_be_visible()
    rich_text(page, "body-0-value-steps-1-value-instruction", STEPS[1][0])
    page.fill("#body-0-value-steps-1-value-expected", STEPS[1][1])
    screenshot(page, "courses-authoring-2-lesson-form")
    publish(page, course.pk)
    screenshot(page, "courses-authoring-3-published")
    lesson = LessonPage.objects.get(title=LESSON)
    assert lesson.live and lesson.get_parent().pk == course.pk
    procedure = lesson.body[0].value
    assert [step["expected"] for step in procedure["steps"]] == [e for _i, e in STEPS]
    assert page.js_errors == []

    # A nurse signs in, finds the course for her role and reads the lesson.
    page.context.clear_cookies()
    login(page, NURSE)
    page.goto(catalogue.url)
    nurse_group = page.locator('.course-group[data-role="nurse"]')
    expect(nurse_group).to_contain_text(COURSE)
    screenshot(page, "courses-authoring-4-catalogue")
    nurse_group.get_by_role("link", name=COURSE).click()
    page.wait_for_url(re.compile(rf"{re.escape(course.url)}$"))
    expect(page.locator("h1")).to_have_text(COURSE)
    expect(page.locator(".course-outline")).to_contain_text("Required")
    screenshot(page, "courses-authoring-4b-course")
    page.locator(".course-outline").get_by_role("link", name=LESSON).click()
    page.wait_for_url(re.compile(rf"{re.escape(lesson.url)}$"))

    steps = page.locator(".procedure-step")
    expect(steps).to_have_count(2)
    for index, (instruction, expected) in enumerate(STEPS):
        step = steps.nth(index)
        expect(step.locator(".step-number")).to_have_text(f"Step {index + 1}")
        expect(step.locator(".step-instruction")).to_contain_text(instruction)
        expect(step.locator(".step-expected")).to_have_text(f"Expected result: {expected}")
    screenshot(page, "courses-authoring-5-lesson")

    # In Chinese the same lesson carries its Chinese title.
    page.locator('form.lang button[data-lang="zh-hans"]').click()
    expect(page.locator("h1")).to_have_text(LESSON_ZH)
    screenshot(page, "courses-authoring-6-lesson-zh")
    assert page.js_errors == []


def test_knowledge_check_reveals_right_and_wrong_without_recording(page):
    """The demo lesson's knowledge check answers in the page; nothing is sent to the server."""
    need(has_chromium(), "Chromium")
    build_courses()
    lesson = LessonPage.objects.get(slug="five-rights-and-scan-order")
    login(page, NURSE)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(lesson.url)

    check = page.locator("[data-knowledge-check]").first
    expect(check).to_have_attribute("data-ready", "true")
    check.get_by_role("button", name="The medication barcode").click()
    expect(check.locator(".kc-feedback")).to_have_text("Not quite.")
    expect(check.get_by_role("button", name="The patient's wristband")).to_have_class(
        re.compile("is-right")
    )
    expect(check.locator(".kc-explanation")).to_be_visible()
    screenshot(page, "courses-authoring-7-knowledge-check-wrong")
    check.get_by_role("button", name="Try again").click()
    check.get_by_role("button", name="The patient's wristband").click()
    expect(check.locator(".kc-feedback")).to_have_text("Right.")
    # The captioned screenshot is a Wagtail rendition (the test server does not serve media).
    expect(page.locator(".block-image img").first).to_have_attribute(
        "src", re.compile(r"/images/his-mar-due[^/]*\.max-1000x1000\.png$")
    )
    screenshot(page, "courses-authoring-8-knowledge-check-right")
    assert posts == [] or all("/learning/" in url for url in posts)  # only progress tracking
    assert page.js_errors == []


@pytest.mark.urls(__name__)
def test_nurse_searches_the_help_centre_in_chinese_and_plays_a_tutorial(page, settings, tmp_path):
    need(has_chromium(), "Chromium")
    # Documents are served from files on disk, as in production (the test settings' in-memory
    # storage pretends to have local paths that Wagtail's document view cannot read).
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    build_courses()
    manual = ManualPage.objects.get()
    tutorial = VideoTutorialPage.objects.get()
    login(page, NURSE)
    page.goto(CourseIndexPage.objects.get().url)

    page.locator("[data-help-centre]").click()
    expect(page.locator('[data-help-list="manuals"]')).to_contain_text(manual.title)
    page.fill('input[name="q"]', "腕带")  # wristband
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/help/search/\?q="))
    # The manual (腕带 is in its Chinese title and body) and the BCMA course and lessons.
    hit = page.locator('.search-results [data-kind="manual"]')
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(manual.title)
    expect(page.locator('.search-results [data-kind="course"]')).to_contain_text(
        "Barcode medication administration"
    )
    screenshot(page, "courses-authoring-9-help-search")
    hit.get_by_role("link", name=manual.title).click()
    expect(page.locator(".procedure-step")).to_have_count(4)

    page.goto(tutorial.url)
    video = page.locator("video.tutorial-video")
    # The committed WebM is served from the document store and Chromium reads its length.
    page.wait_for_function("() => document.querySelector('video.tutorial-video').readyState >= 1")
    assert 9 <= video.evaluate("v => v.duration") <= 11
    screenshot(page, "courses-authoring-10-tutorial")
    assert page.js_errors == []
