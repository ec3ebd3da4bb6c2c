"""The exam acceptance journey: a nurse opens her assigned exam from My training, starts it,
answers, reloads (answers kept, timer still counting to the server's deadline), opens it in a
second tab (the same attempt continues), goes offline and answers two more (the banner shows,
the answers wait on the device), comes back online (they are sent), and submits: every answer
counted. A second test: answers that never reached the server survive a reload and are sent
when saving works again."""

import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Attempt, AttemptQuestion, Exam
from courses.models import Assignment
from portal.org.models import StaffMember
from tests.assessments.factories import exam, question
from tests.conftest import has_chromium, need

from .conftest import TIMEOUT_MS, login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
TITLE = "Barcode medication administration: knowledge check"
BANNER = (
    "Connection lost — your last answers are kept on this device and will be sent when the "
    "connection returns."
)


def _exam() -> Exam:
    """Six questions of six kinds, three a page, 30 minutes, right answers known."""
    questions = [
        question(
            "single",
            text="<p>Before giving a medicine, how do you <b>identify the patient</b>?</p>",
            answers=[
                (
                    "Scan the wristband and ask the full name and date of birth",
                    100,
                    {"feedback": "Right: two identifiers, checked against the order."},
                ),
                (
                    "Read the bed number on the chart",
                    0,
                    {"feedback": "Patients move between beds."},
                ),
                ("Ask a colleague who knows the patient", 0),
            ],
            general_feedback="<p>Always use two identifiers.</p>",
            text_zh="<p>给药前如何<b>核对患者身份</b>？</p>",
        ),
        question(
            "multiple",
            text="<p>Which details does the eMAR check when you scan the medicine?</p>",
            answers=[("Drug and strength", 50), ("Time due", 50), ("Ward phone number", -100)],
        ),
        question(
            "shortanswer",
            text="<p>What do you scan first at the bedside?</p>",
            answers=[("wristband", 100), ("*band", 50)],
        ),
        question(
            "numerical",
            text="<p>How many rights of medication administration?</p>",
            answers=[("5", 100, {"tolerance": Decimal("0")})],
        ),
        question(
            "matching",
            text="<p>Match each role with the HIS module they use most.</p>",
            answers=[
                ("Cashier", 0, {"match": "Billing"}),
                ("Nurse", 0, {"match": "Medication administration"}),
                ("Doctor", 0, {"match": "Order entry"}),
            ],
        ),
        question(
            "truefalse",
            text="<p>An allergy alert may be overridden without a reason.</p>",
            answers=[("true", 0), ("false", 100)],
        ),
    ]
    return exam(
        questions,
        title=TITLE,
        intro="<p>Six questions on barcode medication administration.</p>",
        questions_per_page=3,
        time_limit_minutes=30,
        max_attempts=2,
        pass_mark_percent=80,
    )


def _assign(e: Exam, nurse: StaffMember) -> Assignment:
    return Assignment.objects.create(
        staff=nurse,
        content_type=ContentType.objects.get_for_model(Exam),
        object_id=e.pk,
        due_date=timezone.localdate() + timedelta(days=7),
    )


def _wait_for(condition, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def _responses(attempt) -> dict[int, object]:
    return dict(AttemptQuestion.objects.filter(attempt=attempt).values_list("position", "response"))


def _question(page, position):
    return page.locator(f"#q-{position}")


def _seconds(timer_text: str) -> int:
    parts = [int(p) for p in timer_text.split(":")]
    return sum(value * 60**i for i, value in enumerate(reversed(parts)))


def _saved(page):
    expect(page.locator("[data-save-state]")).to_have_text("All answers saved")


def test_nurse_takes_an_exam_through_a_reload_a_second_tab_and_lost_connection(page, hospital):
    need(has_chromium(), "Chromium")
    e = _exam()
    nurse = StaffMember.objects.get(user__email=NURSE)
    assignment = _assign(e, nurse)
    context = page.context

    # My training lists the exam; its Start goes to the exam's page.
    login(page, NURSE)
    row = page.locator(f'li.training-item[data-assignment="{assignment.pk}"]')
    expect(row.locator(".ti-title a")).to_have_text(TITLE)
    row.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(rf"/exams/{e.pk}/$"))
    expect(page.locator("[data-rules]")).to_contain_text("You have 30 minutes")
    expect(page.locator("[data-rules]")).to_contain_text("Pass mark: 80%.")
    screenshot(page, "exam-detail")

    page.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(r"/exams/attempt/\d+/$"))
    attempt = Attempt.objects.get(exam=e, staff=nurse)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("[data-question]")).to_have_count(3)
    expect(page.locator("[data-nav-position]")).to_have_count(6)
    timer = page.locator("[data-timer-value]")
    expect(timer).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))

    # Page 1: answer three questions; each change is saved within a couple of seconds.
    _question(page, 0).get_by_text("Scan the wristband").click()
    _question(page, 1).get_by_text("Drug and strength").click()
    _question(page, 1).get_by_text("Time due").click()
    _question(page, 2).locator("input[type=text]").fill("Wristband")
    _question(page, 2).locator("[data-flag]").check()
    expect(page.locator('[data-nav-position="2"]')).to_have_class(re.compile("is-flagged"))
    _saved(page)
    _wait_for(lambda: all(_responses(attempt)[p] is not None for p in (0, 1, 2)))
    screenshot(page, "exam-attempt-page")

    # Reload: the answers come back from the server; the timer keeps the server's deadline.
    before = _seconds(timer.inner_text())
    page.reload()
    expect(_question(page, 0).locator("input[type=radio]").first).to_be_checked()
    expect(_question(page, 1).locator("input[type=checkbox]:checked")).to_have_count(2)
    expect(_question(page, 2).locator("input[type=text]")).to_have_value("Wristband")
    expect(_question(page, 2).locator("[data-flag]")).to_be_checked()
    expect(page.locator(".exam-nav-item.is-answered")).to_have_count(3)
    after = _seconds(timer.inner_text())
    assert after <= before and after > 28 * 60, (before, after)

    # A second tab on the exam's page continues the same attempt.
    second = context.new_page()
    second.goto(f"/exams/{e.pk}/")
    second.locator('[data-action="continue"]').click()
    second.wait_for_url(re.compile(rf"/exams/attempt/{attempt.pk}/$"))
    expect(_question(second, 2).locator("input[type=text]")).to_have_value("Wristband")
    assert Attempt.objects.filter(exam=e, staff=nurse).count() == 1
    second.close()

    # Page 2 (saving first), one answer online.
    page.get_by_role("button", name="Next page").click()
    page.wait_for_url(re.compile(r"\?page=1$"))
    _question(page, 3).locator("input[type=text]").fill("5")
    _saved(page)
    _wait_for(lambda: _responses(attempt)[3] == {"text": "5"})

    # Offline: two more answers; the banner says they are kept; nothing reaches the server.
    context.set_offline(True)
    selects = _question(page, 4).locator("select")
    for label, match in (
        ("Cashier", "Billing"),
        ("Nurse", "Medication administration"),
        ("Doctor", "Order entry"),
    ):
        _question(page, 4).locator("tr", has_text=label).locator("select").select_option(
            label=match
        )
    assert selects.count() == 3
    _question(page, 5).get_by_text("False").click()
    banner = page.locator("[data-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(BANNER)
    expect(page.locator("[data-save-state]")).to_have_text("2 answers not sent yet")
    expect(page.locator(".exam-nav-item.is-answered")).to_have_count(6)
    queued = page.evaluate(
        f"JSON.parse(localStorage.getItem('readyline.exam.attempt.{attempt.pk}'))"
    )
    assert sorted(queued["pending"]) == ["4", "5"]
    assert _responses(attempt)[4] is None and _responses(attempt)[5] is None
    screenshot(page, "exam-attempt-offline")

    # Back online: the queue is sent, the banner goes.
    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=TIMEOUT_MS)
    _saved(page)
    _wait_for(lambda: _responses(attempt)[4] is not None and _responses(attempt)[5] is not None)

    # A tablet-width look at the page before submitting.
    page.set_viewport_size({"width": 820, "height": 1180})
    screenshot(page, "exam-attempt-tablet")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Submit: the confirmation lists nothing unanswered; the review shows every answer counted.
    page.locator(".exam-side [data-finish]").click()
    dialog = page.locator("[data-confirm]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-unanswered-none]")).to_be_visible()
    screenshot(page, "exam-attempt-confirm")
    dialog.get_by_role("button", name="Submit all and finish").click()
    page.wait_for_url(re.compile(rf"/exams/attempt/{attempt.pk}/review/$"))
    expect(page.locator("[data-grade]")).to_have_text("100%")
    expect(page.locator("[data-passed]")).to_contain_text("Passed")
    expect(page.locator("[data-review-question]")).to_have_count(6)
    expect(page.locator('[data-state="right"]')).to_have_count(6)
    screenshot(page, "exam-review")
    page.set_viewport_size({"width": 820, "height": 1180})
    screenshot(page, "exam-review-tablet")

    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_by == Attempt.FinishedBy.LEARNER
    assert attempt.percent == 100 and attempt.passed is True
    stored = _responses(attempt)
    assert stored[0] == {"choice": 0}
    assert sorted(stored[1]["choices"]) == [0, 1]
    assert stored[2] == {"text": "Wristband"}
    assert stored[3] == {"text": "5"}
    assert stored[4] == {"matches": {"0": 0, "1": 1, "2": 2}}
    assert stored[5] == {"choice": 1}
    assert Attempt.objects.filter(exam=e, staff=nurse).count() == 1
    assert (
        page.evaluate(f"localStorage.getItem('readyline.exam.attempt.{attempt.pk}')") is None
    )  # nothing left queued on the device
    assignment.refresh_from_db()
    assert assignment.completed_at is not None  # passing completes the assigned item

    # The exam's page lists the attempt with its grade; My training shows the exam done.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name="Back to the exam").click()
    page.wait_for_url(re.compile(rf"/exams/{e.pk}/$"))
    expect(page.locator('[data-attempt-row="1"]')).to_contain_text("100%")
    expect(page.locator("[data-outcome]")).to_contain_text("Passed")
    expect(page.locator('[data-action="start"]')).to_have_text("Start a new attempt")
    screenshot(page, "exam-detail-after")
    page.goto("/training/")
    expect(row.locator("[data-status-badge]")).to_have_text("Done")
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


# Saves fail while this flag is set (page loads still work). Done in the page's own fetch,
# because a save sent with `keepalive` while the page unloads escapes Playwright's routing.
BLOCK_SAVES = """
(() => {
  const send = window.fetch.bind(window);
  window.fetch = (url, options) =>
    localStorage.getItem("test.block-saves") && String(url).includes("/save/")
      ? Promise.reject(new TypeError("blocked by the test"))
      : send(url, options);
})();
"""


def test_unsent_answers_survive_a_reload_and_time_up_submits(page, hospital):
    """Saves fail but pages still load: an answer given then is put back after a reload
    (from this device's queue) and sent once saving works again. Then time runs out: the
    page submits by itself."""
    need(has_chromium(), "Chromium")
    e = _exam()
    nurse = StaffMember.objects.get(user__email=NURSE)
    page.add_init_script(BLOCK_SAVES)
    login(page, NURSE)
    page.goto(f"/exams/{e.pk}/")
    page.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(r"/exams/attempt/\d+/$"))
    attempt = Attempt.objects.get(exam=e, staff=nurse)
    _saved(page)

    page.evaluate("localStorage.setItem('test.block-saves', '1')")
    _question(page, 2).locator("input[type=text]").fill("wristband")
    expect(page.locator("[data-banner]")).to_have_text(BANNER)
    page.reload()
    expect(_question(page, 2).locator("input[type=text]")).to_have_value("wristband")
    expect(page.locator('[data-nav-position="2"]')).to_have_class(re.compile("is-answered"))
    expect(page.locator("[data-save-state]")).to_have_text("1 answer not sent yet")
    expect(page.locator("[data-banner]")).to_have_text(BANNER)
    assert _responses(attempt)[2] is None

    page.evaluate("localStorage.removeItem('test.block-saves')")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _saved(page)
    _wait_for(lambda: _responses(attempt)[2] == {"text": "wristband"})
    expect(page.locator("[data-banner]")).to_be_hidden()

    # When the clock reaches the deadline the page submits by itself, with the last answer.
    page.clock.install()
    page.reload()
    _question(page, 0).get_by_text("Scan the wristband").click()
    page.clock.fast_forward("30:01")
    page.wait_for_url(re.compile(rf"/exams/attempt/{attempt.pk}/review/$"))
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert _responses(attempt)[0] == {"choice": 0}
    expect(page.locator("[data-review-question]")).to_have_count(6)
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"
