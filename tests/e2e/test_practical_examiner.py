"""Practical exams in the browser: an examiner on a tablet scores a candidate's OSCE checklist
and sees the score saved; a trainer steps through a simulation replay with the Next button
(and the arrow key) and sees a check turn green. Screenshots in var/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from assessments.models import RubricItem, RubricScore
from assessments.services import practical
from portal.accounts import roles
from tests.assessments.factories import trains
from tests.assessments.practical_factories import practical_exam, solution_actions
from tests.assessments.test_practical_services import sit_practical
from tests.factories import person

from .conftest import CHROMIUM_ARGS, TIMEOUT_MS, login, screenshot  # noqa: F401

pytestmark = pytest.mark.e2e

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory
SLUG = "nurse-bcma-wrong-patient"
TABLET = {"width": 820, "height": 1180}  # a 10.9" tablet, portrait


@pytest.fixture
def world(transactional_db, role_groups):
    from django.core.cache import cache

    cache.clear()  # allauth's login rate limits
    practical._SCENARIOS.clear()
    examiner = person([roles.LEARNER], full_name="Senior Nurse Examiner").user
    candidate = person([roles.LEARNER], full_name="Wang Xiaoming")
    exam = practical_exam(
        title="Medication round OSCE",
        assessed_by="both",
        rubric=[
            ("Introduces themself and confirms the patient's identity aloud", 2),
            ("Explains the medicine and checks for allergies", 2),
            ("Keeps hand hygiene before and after", 2),
        ],
        examiners=[(examiner, candidate)],
    )
    trainer = person([roles.TRAINER], full_name="Ward Trainer").user
    trains(exam, trainer)
    attempt = sit_practical(exam, candidate, solution_actions(SLUG, "flawed-no-drug-scan"))
    yield {"exam": exam, "examiner": examiner, "trainer": trainer, "attempt": attempt}
    practical._SCENARIOS.clear()


def _page(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


def test_an_examiner_scores_a_candidate_on_a_tablet(browser, live_server, world):
    context, page = _page(browser, live_server, TABLET)
    try:
        login(page, world["examiner"].email, PASSWORD)
        page.goto("/exams/manage/examine/")
        candidate = page.locator(".candidate", has_text="Wang Xiaoming")
        expect(candidate).to_contain_text("not scored yet")
        screenshot(page, "examiner-home")
        candidate.get_by_role("link", name="Score").click()
        page.wait_for_url(re.compile(r"/examine/attempt/\d+/$"))

        items = list(RubricItem.objects.filter(exam=world["exam"]).order_by("sort_order"))
        # Save with one item and the rating missing: told exactly what is missing.
        page.click(f'label[for="item-{items[0].pk}-done"]')
        page.click(f'label[for="item-{items[1].pk}-partly"]')
        page.click("#rubric-save")
        expect(page.locator("#rubric-errors")).to_contain_text(
            "1 checklist item is not marked yet."
        )
        expect(page.locator("#rubric-errors")).to_contain_text("Choose a global rating")
        expect(page.locator(f'fieldset[data-item="{items[2].pk}"]')).to_have_class(
            re.compile("invalid")
        )
        assert not RubricScore.objects.exists()
        screenshot(page, "examiner-rubric-missing")

        # The buttons are large enough for a finger.
        box = page.locator(f'label[for="item-{items[2].pk}-not_done"]').bounding_box()
        assert box["height"] >= 48 and box["width"] >= 80
        page.click(f'label[for="item-{items[2].pk}-not_done"]')
        page.click('label[for="rating-4"]')
        page.fill("#comments", "Calm; forgot hand hygiene at the end.")
        expect(page.locator("#rubric-total")).to_have_text("Checklist: 3 of 6 points")
        screenshot(page, "examiner-rubric-filled")
        page.click("#rubric-save")
        expect(page.locator(".messages")).to_contain_text(
            "Saved the rubric of Wang Xiaoming: 3 of 6 points (50.00 %), Clear pass."
        )
        expect(page.locator("#rubric-saved")).to_contain_text("3 of 6 points (50.00 %)")
        expect(page.locator(f"#item-{items[1].pk}-partly")).to_be_checked()
        screenshot(page, "examiner-rubric-saved")
        score = RubricScore.objects.get(attempt=world["attempt"])
        assert score.global_rating == 4 and score.comments.startswith("Calm")

        page.goto("/exams/manage/examine/")
        expect(page.locator(".candidate", has_text="Wang Xiaoming")).to_contain_text(
            "scored 50.00 %"
        )
        assert page.js_errors == []
    finally:
        context.close()


def test_a_trainer_steps_through_a_replay_and_sees_a_check_turn_green(browser, live_server, world):
    context, page = _page(browser, live_server, {"width": 1280, "height": 900})
    try:
        login(page, world["trainer"].email, PASSWORD)
        page.goto(f"/exams/manage/attempt/{world['attempt'].pk}/")
        expect(page.locator("#attempt-simulation")).to_contain_text("not passed")
        screenshot(page, "trainer-practical-attempt")
        page.click("#replay-link")
        page.wait_for_url(re.compile(r"/replay/$"))
        check = page.locator('#check-list li[data-check="pre-check.vitals-recorded"]')
        expect(check).to_have_attribute("data-passed", "false")
        page.click("#replay-next")  # step 1: the chart opened
        page.wait_for_url(re.compile(r"step=1$"))
        expect(check).to_have_attribute("data-passed", "false")
        page.click("#replay-next")  # step 2: the vital signs recorded
        page.wait_for_url(re.compile(r"step=2$"))
        expect(check).to_have_attribute("data-passed", "true")
        expect(page.locator("#step-satisfied")).to_contain_text("Wang Fang")
        expect(check).to_have_css("background-color", "rgb(220, 250, 230)")
        screenshot(page, "trainer-replay-check-green")
        # The arrow keys move too: → to the refused administration.
        page.keyboard.press("ArrowRight")
        page.wait_for_url(re.compile(r"step=3$"))
        page.keyboard.press("ArrowRight")
        page.wait_for_url(re.compile(r"step=4$"))
        expect(page.locator("#replay-action")).to_contain_text("The HIS refused this action:")
        screenshot(page, "trainer-replay-refused")
        page.keyboard.press("ArrowLeft")
        page.wait_for_url(re.compile(r"step=3$"))
        assert page.js_errors == []
    finally:
        context.close()


def test_a_dose_through_the_wrong_patient_warning_stands_out_in_chinese(
    browser, live_server, world
):
    candidate = person([roles.LEARNER], full_name="Li Na")
    attempt = sit_practical(
        world["exam"], candidate, solution_actions(SLUG, "flawed-override-wrong-patient")
    )
    context, page = _page(browser, live_server, {"width": 1280, "height": 900})
    try:
        login(page, world["trainer"].email, PASSWORD)
        page.goto(f"/exams/manage/attempt/{attempt.pk}/replay/?step=6")
        page.click('button[data-lang="zh-hans"]')
        page.wait_for_load_state()
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        row = page.locator('[data-panel="administrations"] tr.unverified')
        expect(row).to_have_count(1)
        expect(row.locator("td.bad").first).to_have_css("background-color", "rgb(180, 35, 24)")
        expect(page.locator("#step-broken")).to_contain_text("腕带")
        screenshot(page, "trainer-replay-unverified-zh")
        assert page.js_errors == []
    finally:
        context.close()


def test_a_trainer_sees_which_checks_people_fail(browser, live_server, world):
    exam = world["exam"]
    sit_practical(exam, person(), solution_actions(SLUG))
    sit_practical(exam, person(), solution_actions(SLUG, "flawed-override-wrong-patient"))
    context, page = _page(browser, live_server, {"width": 1280, "height": 900})
    try:
        login(page, world["trainer"].email, PASSWORD)
        page.goto(f"/exams/manage/{exam.pk}/attempts/")
        page.get_by_role("link", name="Check statistics").click()
        page.wait_for_url(re.compile(r"/statistics/$"))
        expect(page.locator("#stats-attempts")).to_have_text("3")
        expect(page.locator("#stats-critical")).to_have_text("1")
        expect(page.locator("#stats-chart")).to_be_visible()
        row = page.locator('#stats-table tr[data-check="identify.right-patient"]')
        expect(row).to_contain_text("66.7 %")
        page.wait_for_function(
            "document.getElementById('stats-chart').getContext('2d')"
            ".getImageData(0, 0, 400, 300).data.some(v => v > 0)"
        )
        screenshot(page, "trainer-practical-check-statistics")
        assert page.js_errors == []
    finally:
        context.close()
