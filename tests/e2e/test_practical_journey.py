"""The practical exam journey in the simulated HIS (starter scenario nurse-bcma-wrong-patient).

A nurse opens her practical exam, starts it and lands in the HIS: she opens Wang Fang's chart,
records the observations, then at the MAR scans Wang Fang's wristband and each drug by typing
into the barcode field and pressing Enter (as a scanner does), gives both doses and finishes:
passed. Her second attempt scans the spare label of the patient in the next bed, meets the HIS
wrong-patient warning, gives anyway, finishes, and fails with the critical check named. A
trainer then replays that attempt step by step and sees where the critical check broke.

A second test draws every role's screen (doctor with an allergy alert, nurse, cashier, admin)
for the screenshots people look at."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from assessments.models import Attempt, SimulationAction
from assessments.services.attempts import attempt_start
from assessments.services.practical import practical_act
from portal.org.models import StaffMember
from tests.assessments.factories import trains
from tests.assessments.practical_factories import practical_exam, scenario
from tests.conftest import has_chromium, need

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

NURSE = "learner-nurse@readyline.example"
TRAINER = "trainer@readyline.example"
SLUG = "nurse-bcma-wrong-patient"
WANG_FANG, WANG_FEN = "MRN300112", "MRN300118"
METOPROLOL, ASPIRIN = "6903456700017", "6903456700024"


def _scan(page, code: str):
    """A scanner types into the focused barcode field and sends Enter."""
    field = page.locator("[data-barcode]")
    expect(field).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("[data-barcode]")).to_have_value("")


def _open_chart(page, mrn: str):
    page.locator(f'[data-open-chart="{mrn}"]').click()
    expect(page.locator("[data-banner]")).to_have_attribute("data-banner", mrn)


def _start(page, exam_id: int) -> None:
    page.goto(f"/exams/{exam_id}/")
    page.locator('[data-action="start"]').click()
    page.wait_for_url(re.compile(r"/exams/attempt/\d+/his/$"))


def _finish(page):
    page.locator("[data-finish]").click()
    dialog = page.locator("[data-finish-confirm]")
    expect(dialog).to_be_visible()
    dialog.locator("[data-finish-confirm-yes]").click()
    page.wait_for_url(re.compile(r"/his/result/$"))


def test_nurse_gives_the_right_patient_her_doses_then_meets_the_wrong_patient_warning(
    page, hospital
):
    need(has_chromium(), "Chromium")
    exam = practical_exam(scenario(slug=SLUG), title="BCMA practical", max_attempts=2)
    nurse = StaffMember.objects.get(user__email=NURSE)
    login(page, NURSE)

    # First attempt: the HIS, with the task panel, the timer and the worklist.
    _start(page, exam.pk)
    attempt = Attempt.objects.get(exam=exam, staff=nurse, number=1)
    expect(page.locator(".his-brand")).to_contain_text("Readyline HIS · training environment")
    expect(page.locator("[data-his-user]")).to_contain_text("Zhou Li")
    expect(page.locator("[data-his-department]")).to_have_text("Cardiology ward")
    expect(page.locator("[data-task-panel]")).to_contain_text("Wang Fen")
    expect(page.locator("[data-timer-value]")).to_have_text(re.compile(r"^(30:00|29:\d\d)$"))
    expect(page.locator("[data-worklist-row]")).to_have_count(2)

    # The chart, then the observations on the vital-signs screen.
    _open_chart(page, WANG_FANG)
    expect(page.locator("[data-allergies]")).to_contain_text("No known allergies")
    page.locator('[data-screen="vitals"]').click()
    form = page.locator('[data-form="vitals"]')
    for name, value in (
        ("temperature", "36.7"),
        ("pulse", "68"),
        ("resp_rate", "16"),
        ("bp_systolic", "132"),
        ("bp_diastolic", "78"),
        ("spo2", "97"),
        ("pain", "0"),
    ):
        form.locator(f'[name="{name}"]').fill(value)
    form.locator("[data-record-vitals]").click()
    expect(page.locator("[data-vitals] tbody tr")).to_have_count(1)
    expect(page.locator("[data-last-action]")).to_contain_text("done")

    # The MAR: the barcode field has the focus; wristband, then drug, then give — twice.
    page.locator('[data-screen="mar"]').click()
    expect(page.locator("[data-mar-order]")).to_have_count(2)
    _scan(page, "WB300112")
    expect(page.locator("[data-scanned-patient]")).to_contain_text("matches the open chart")
    _scan(page, METOPROLOL)
    expect(page.locator('[data-mar-order="O900"] [data-five-rights] .is-ok')).to_have_count(2)
    screenshot(page, "his-nurse-mar-scanned")
    page.locator('[data-give="O900"]').click()
    expect(page.locator('[data-mar-order="O900"]')).to_contain_text("given")
    _scan(page, "WB300112")
    _scan(page, ASPIRIN)
    page.locator('[data-give="O901"]').click()
    expect(page.locator('[data-mar-order="O901"]')).to_contain_text("given")
    expect(page.locator("[data-refused-seq]")).to_have_count(0)
    screenshot(page, "his-nurse-mar-given")

    # A reload resumes: the state is the fold of the log.
    page.reload()
    expect(page.locator('[data-mar-order="O900"]')).to_contain_text("given")

    _finish(page)
    expect(page.locator("[data-passed]")).to_contain_text("Passed")
    expect(page.locator("[data-critical]")).to_have_count(0)
    expect(page.locator("[data-task-result]")).to_have_count(3)
    screenshot(page, "his-result-passed")
    attempt.refresh_from_db()
    assert attempt.passed is True
    assert SimulationAction.objects.filter(attempt=attempt).count() == 8

    # Second attempt: the spare label on the bed folder is Wang Fen's.
    _start(page, exam.pk)
    second = Attempt.objects.get(exam=exam, staff=nurse, number=2)
    _open_chart(page, WANG_FANG)
    _scan(page, "WB300118")
    expect(page.locator("[data-scanned-patient]")).to_contain_text("NOT the patient")
    _scan(page, METOPROLOL)
    page.locator('[data-give="O900"]').click()
    warning = page.locator("[data-wrong-patient]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("HIS WARNING")
    expect(warning).to_contain_text("Wrong patient")
    screenshot(page, "his-nurse-wrong-patient-warning")
    warning.locator("[data-give-anyway]").click()
    expect(page.locator("[data-wrong-patient]")).to_have_count(0)
    expect(page.locator('[data-mar-order="O900"]')).to_contain_text("unverified patient")
    last = SimulationAction.objects.filter(attempt=second).order_by("-seq").first()
    assert last.action["override_warning"] is True

    _finish(page)
    expect(page.locator("[data-passed]")).to_contain_text("Not passed")
    critical = page.locator("[data-critical-failure]")
    expect(critical.first).to_be_visible()
    expect(page.locator("[data-critical]")).to_contain_text(
        "No dose was given without the wristband matching the order's patient."
    )
    expect(page.locator("[data-critical]")).to_contain_text(
        "The wrong-patient warning was never overridden."
    )
    screenshot(page, "his-result-failed")
    second.refresh_from_db()
    assert second.passed is False
    assert "identify.right-patient" in second.simulation["critical_failures"]

    # A trainer of the exam replays the second attempt step by step: the "give anyway" step
    # is where the critical check broke.
    trainer = get_user_model().objects.get(email=TRAINER)
    trains(exam, trainer)
    page.context.clear_cookies()
    login(page, TRAINER)
    page.goto(f"/exams/manage/attempt/{second.pk}/")
    page.click("#replay-link")
    page.wait_for_url(re.compile(r"/replay/$"))
    right_patient = page.locator('#check-list li[data-check="identify.right-patient"]')
    expect(right_patient).to_have_attribute("data-passed", "true")
    steps = SimulationAction.objects.filter(attempt=second).count()
    for step in range(1, steps + 1):
        page.click("#replay-next")
        page.wait_for_url(re.compile(rf"step={step}$"))
    expect(page.locator("#replay-action")).to_contain_text("Recorded a medication administration")
    expect(right_patient).to_have_attribute("data-passed", "false")
    expect(page.locator('#step-broken li[data-check="identify.right-patient"]')).to_be_visible()
    screenshot(page, "his-replay-wrong-patient")
    page.click("#replay-prev")
    page.wait_for_url(re.compile(rf"step={steps - 1}$"))
    expect(right_patient).to_have_attribute("data-passed", "true")

    assert not page.js_errors, page.js_errors


def _sit(exam, staff, actions) -> Attempt:
    attempt = attempt_start(exam=exam, staff=staff)
    for seq, action in enumerate(actions, start=1):
        practical_act(attempt=attempt, staff=staff, action=action, seq=seq)
    return attempt


ROLE_SCREENS = [
    (
        "doctor-outpatient-penicillin-allergy",
        [
            {"type": "patient_open", "patient": "MRN100234"},
            {
                "type": "order_create",
                "encounter": "E7301",
                "kind": "medication",
                "drug": "PARA500",
                "dose": 500,
                "unit": "mg",
                "route": "PO",
                "frequency": "PRN",
                "duration_days": 3,
            },
            {"type": "order_sign", "order": "O1"},
            {
                "type": "order_create",
                "encounter": "E7301",
                "kind": "medication",
                "drug": "AMOX500",
                "dose": 500,
                "unit": "mg",
                "route": "PO",
                "frequency": "TID",
                "duration_days": 7,
            },
        ],
        "",
        "his-doctor-allergy-alert",
    ),
    ("doctor-admission-order-set", [{"type": "patient_open", "patient": "MRN200871"}], "", None),
    ("nurse-vitals-held-dose", [{"type": "patient_open", "patient": "MRN300201"}], "mar", None),
    (
        "cashier-register-insured-payment",
        [
            {"type": "patient_search", "query": "赵磊"},
            {"type": "patient_open", "patient": "MRN400551"},
        ],
        "registration",
        "his-cashier-registration",
    ),
    (
        "cashier-refund-authorisation",
        [{"type": "patient_open", "patient": "MRN500318"}],
        "billing",
        "his-cashier-till",
    ),
    ("admin-disable-leaver", [], "", "his-admin-users"),
]


def test_every_role_screen_looks_like_an_his(page, hospital):
    need(has_chromium(), "Chromium")
    nurse = StaffMember.objects.get(user__email=NURSE)
    login(page, NURSE)
    for slug, actions, screen, name in ROLE_SCREENS:
        exam = practical_exam(scenario(slug=slug), title=slug)
        attempt = _sit(exam, nurse, actions)
        page.goto(f"/exams/attempt/{attempt.pk}/his/" + (f"?screen={screen}" if screen else ""))
        expect(page.locator("[data-role-screen]")).to_be_visible()
        expect(page.locator("[data-refused-seq]")).to_have_count(0)
        if slug.startswith("doctor-outpatient"):
            dialog = page.locator("[data-his-alert]")
            expect(dialog).to_be_visible()
            assert page.evaluate("document.querySelector('[data-his-alert]').matches(':modal')")
        screenshot(page, name or f"his-{slug}")
    # The Chinese HIS.
    page.locator('.his-lang [data-lang="zh-hans"]').click()
    expect(page.locator("[data-task-panel]")).to_contain_text("离职")
    screenshot(page, "his-admin-users-zh")
    assert not page.js_errors, page.js_errors
