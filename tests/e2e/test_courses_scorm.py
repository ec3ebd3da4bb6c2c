"""The demo nurse plays a SCORM 1.2 and a SCORM 2004 package from the third-party corpus in
Chromium: she pages through Rustici's "Golf Explained" to its end, answers its quiz, leaves with
its Exit button, and the portal has recorded the pass, the score and the completed lesson.

The packages are read from ../shared/corpus/scorm (never copied here); without them the test
skips. They load nothing from the network (their only external references are plain links)."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from playwright.sync_api import expect

from courses.models import LessonProgress, ScormPackage, ScormRecord
from courses.services.scorm import scorm_package_create
from courses.setup import trainer_permissions_sync
from portal.org.models import StaffMember
from tests.conftest import has_chromium, need
from tests.courses.factories import course, lesson

from .conftest import login, screenshot

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/scorm"
NURSE = "learner-nurse@readyline.example"
TRAINER = "trainer@readyline.example"


def _site_tree_ensure():
    from content.setup import site_tree_ensure

    site_tree_ensure()


def _scorm_lesson(filename: str, title: str):
    path = CORPUS / filename
    if not path.is_file():
        pytest.skip(f"SCORM corpus not available ({path})")
    from django.contrib.auth import get_user_model

    _site_tree_ensure()
    trainer = get_user_model().objects.get(email=TRAINER)
    package = scorm_package_create(
        actor=trainer,
        title="",
        uploaded_file=SimpleUploadedFile(filename, path.read_bytes(), "application/zip"),
    )
    page = lesson(course(f"Golf course ({filename})", roles=("nurse",), lessons=0), title=title)
    page.scorm_package = package
    page.save_revision().publish()
    return page


def _wait_for(condition, timeout=10.0):
    """Poll the database while the live server writes. SQLite's shared in-memory test database
    answers "table is locked" instead of waiting during the server's transaction: retry."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass
        time.sleep(0.2)
    return condition()


def _save_and_close(page):
    """End the open session with the player's "Save and close" and wait for its commit, so no
    commit races the database flush after the test."""
    with page.expect_response(re.compile(r"/scorm/commit/$")):
        page.get_by_role("button", name="Save and close").click()
    expect(page.locator("#scorm-finished")).to_be_visible()
    expect(page.locator("#scorm-player")).to_have_attribute("data-session", "finished")


@pytest.fixture
def scorm_root(settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def watched(page, live_server):
    """Dialogs the content raises (Golf alerts when it finds no API) and requests that leave
    the portal, both of which must stay empty."""
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    host = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if urlsplit(request.url).netloc not in (host, "")
            and not request.url.startswith(("about:", "data:"))
            else None
        ),
    )
    return dialogs, outside


def _play_golf(page, name: str):
    """Page through the Golf content with its own Next button, answer its quiz (the sample
    marks the right answers), submit, and leave with its Exit button."""
    player = page.frame_locator("#scorm-frame")
    content = player.frame_locator("#contentFrame")
    expect(content.locator("h1").first).to_be_visible()
    screenshot(page, f"scorm-{name}-01-first-page")
    next_button = player.locator("#butNext")
    for _step in range(30):
        if next_button.is_disabled():
            break
        next_button.click()
        page.wait_for_timeout(150)
    assert next_button.is_disabled(), "the content never reached its last page"
    quiz = content.locator("#frmTest")
    expect(quiz).to_be_visible()
    for radio in content.locator(".correctAnswer input[type=radio]").all():
        radio.check()
    for box in content.locator(".correctAnswer input[type=text]").all():
        answer = re.search(r"\((\d+)\)", box.locator("xpath=..").inner_text()).group(1)
        box.fill(answer)
    screenshot(page, f"scorm-{name}-02-quiz-answered")
    content.get_by_role("button", name="Submit Answers").click()
    expect(content.locator("#test h3").first).to_have_text("Score: 100")
    screenshot(page, f"scorm-{name}-03-quiz-result")
    player.locator("#butExit").click()


@pytest.mark.parametrize(
    ("filename", "name", "title"),
    [
        ("singlescobasic.zip", "12", "Golf explained (SCORM 1.2)"),
        ("RuntimeBasicCalls_SCORM20043rdEdition.zip", "2004", "Golf explained (SCORM 2004)"),
    ],
)
def test_nurse_plays_a_scorm_package_to_completion(
    page, live_server, scorm_root, watched, filename, name, title
):
    need(has_chromium(), "Chromium")
    dialogs, outside = watched
    scorm_lesson = _scorm_lesson(filename, title)
    nurse = StaffMember.objects.get(user__email=NURSE)
    login(page, NURSE)

    page.goto(f"/learning/lessons/{scorm_lesson.pk}/scorm/")
    expect(page.locator("h1")).to_have_text(title)
    # The badge says "Not started" until the content initialises its session.
    expect(page.locator("#scorm-status")).to_contain_text("In progress")
    _play_golf(page, name)

    # Exit finished the session: the player takes the content away and shows the result.
    expect(page.locator("#scorm-finished")).to_be_visible()
    expect(page.locator("#scorm-status")).to_contain_text("Complete")
    expect(page.locator("#scorm-status")).to_contain_text("score 100%")
    expect(page.locator("#scorm-message")).to_have_text("Lesson complete.")
    screenshot(page, f"scorm-{name}-04-finished")

    record = ScormRecord.objects.get(staff=nurse, lesson=scorm_lesson)
    assert (record.completion_status, record.success_status, record.score) == (
        "completed",
        "passed",
        100.0,
    )
    data = record.cmi["item_1"]
    if name == "12":
        assert data["cmi.core.lesson_status"] == "passed"
        assert data["cmi.core.score.raw"] == "100"
        assert data["cmi.core.lesson_location"] == "15"  # the bookmark: the last page
    else:
        assert data["cmi.completion_status"] == "completed"
        assert data["cmi.success_status"] == "passed"
        assert float(data["cmi.score.scaled"]) == 1.0
    assert _wait_for(
        lambda: LessonProgress.objects.filter(
            staff=nurse, lesson=scorm_lesson, completed_at__isnull=False
        ).exists()
    ), "the lesson was not completed"

    assert dialogs == [], f"the content raised dialogs: {dialogs}"

    # Back again later: the player says it is complete, and the content finds its bookmark
    # in the restored data and offers to resume there (accepted: the quiz page again).
    page.reload()
    expect(page.locator("#scorm-status")).to_contain_text("Complete")
    player = page.frame_locator("#scorm-frame")
    expect(player.frame_locator("#contentFrame").locator("#test")).to_be_visible()
    assert dialogs == ["Would you like to resume from where you previously left off?"]
    screenshot(page, f"scorm-{name}-05-reopened")
    _save_and_close(page)
    expect(page.locator("#scorm-message")).to_have_text("Lesson complete.")

    assert outside == [], f"requests left the portal: {outside}"
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


def test_a_multi_sco_package_plays_item_by_item_from_its_menu(
    page, live_server, scorm_root, watched
):
    """Moodle's cut-down "Minimum Run-time Calls" (SCORM 1.2, nine SCOs that only initialise
    and finish): the player lists the items, opens each in turn, and the lesson completes once
    every SCO has finished (SCORM 1.2: a SCO that sets no status is completed on finish)."""
    need(has_chromium(), "Chromium")
    dialogs, outside = watched
    scorm_lesson = _scorm_lesson("RuntimeMinimumCalls_SCORM12-mini.zip", "Golf, one page a SCO")
    nurse = StaffMember.objects.get(user__email=NURSE)
    login(page, NURSE)
    page.goto(f"/learning/lessons/{scorm_lesson.pk}/scorm/")
    menu = page.locator(".scorm-menu")
    buttons = menu.locator("button[data-item]")
    expect(buttons).to_have_count(9)
    expect(menu).to_contain_text("Playing the Game")  # a heading without content of its own
    content = page.frame_locator("#scorm-frame")
    expect(content.locator("h1")).to_have_text("Play of the game")
    session = page.locator("#scorm-player")
    expect(session).to_have_attribute("data-session", "open")
    screenshot(page, "scorm-multi-01-first-sco")

    for index in range(1, 9):
        buttons.nth(index).click()
        expect(buttons.nth(index)).to_have_attribute("aria-current", "true")
        # The SCO has loaded and opened its session (a SCO left before that never started).
        expect(session).to_have_attribute("data-session", "open")
        # The item left behind has finished and is ticked.
        expect(menu.locator("li.done")).to_have_count(index)
    screenshot(page, "scorm-multi-02-last-sco")
    assert not LessonProgress.objects.filter(
        staff=nurse, lesson=scorm_lesson, completed_at__isnull=False
    ).exists()

    # Leaving the player finishes the last SCO too (a keepalive request as the page goes).
    page.get_by_role("link", name="← Back to the lesson").click()
    page.wait_for_load_state()
    assert _wait_for(
        lambda: LessonProgress.objects.filter(
            staff=nurse, lesson=scorm_lesson, completed_at__isnull=False
        ).exists()
    ), "the lesson was not completed"
    record = ScormRecord.objects.get(staff=nurse, lesson=scorm_lesson)
    assert record.completion_status == "completed"
    assert len(record.cmi) == 9
    page.go_back()
    expect(page.locator("#scorm-status")).to_contain_text("Complete")
    expect(menu.locator("li.done")).to_have_count(9)
    screenshot(page, "scorm-multi-03-all-done")
    _save_and_close(page)
    assert dialogs == [], f"the content raised dialogs: {dialogs}"
    assert outside == [], f"requests left the portal: {outside}"
    assert page.js_errors == [], f"JavaScript errors: {page.js_errors}"


def test_trainer_uploads_packages_and_a_broken_one_is_refused(page, live_server, scorm_root):
    """In the Wagtail admin a trainer uploads a package whose manifest sits in a sub-folder
    (refused with its message, nothing stored), then a good one, and chooses it on a lesson."""
    need(has_chromium(), "Chromium")
    for name in ("badscorm.zip", "singlescobasic.zip"):
        if not (CORPUS / name).is_file():
            pytest.skip(f"SCORM corpus not available ({CORPUS / name})")
    _site_tree_ensure()
    trainer_permissions_sync()  # the page rights on the catalogue, lost with the last flush
    golf = lesson(course("Golf for trainers", roles=("nurse",), lessons=0), title="Golf")
    login(page, TRAINER)

    page.goto("/cms/courses/scorm/new/")
    page.set_input_files('input[name="file"]', str(CORPUS / "badscorm.zip"))
    page.get_by_role("button", name="Create").click()
    expect(page.locator("main")).to_contain_text(
        "The package has no imsmanifest.xml at its root: it is inside the folder"
    )
    assert not ScormPackage.objects.exists()
    assert not list(scorm_root.rglob("*"))
    screenshot(page, "scorm-admin-01-refused")

    page.set_input_files('input[name="file"]', str(CORPUS / "singlescobasic.zip"))
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/cms/courses/scorm/$"))
    expect(page.locator("table.listing")).to_contain_text("Golf Explained - Run-time Basic Calls")
    expect(page.locator("table.listing")).to_contain_text("shared/launchpage.html")
    screenshot(page, "scorm-admin-02-listed")
    package = ScormPackage.objects.get()

    page.goto(f"/cms/pages/{golf.pk}/edit/")
    page.select_option('select[name="scorm_package"]', str(package.pk))
    page.locator('button[data-w-dropdown-target="toggle"]').last.click()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/cms/pages/\d+/$"))
    golf.refresh_from_db()
    assert golf.scorm_package_id == package.pk and golf.live
    screenshot(page, "scorm-admin-03-lesson-published")
