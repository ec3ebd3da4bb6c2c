"""Storing a learner's SCORM run-time data and mapping it to lesson completion."""

from unittest import mock

import pytest

from courses.models import LessonProgress, ScormPackage, ScormRecord
from courses.services import progress
from courses.services.scorm import (
    ScormCommitError,
    scorm_commit,
    scorm_package_create,
    scorm_restore,
    scorm_sco_status,
    scorm_time_seconds,
)
from portal.accounts import roles
from tests.courses.factories import course, lesson
from tests.courses.test_scorm_package import NS_2004, SCO_PAGE, make_zip, manifest, package_12
from tests.factories import UserFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def scorm_root(settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def trainer(role_groups):
    return UserFactory(roles=[roles.TRAINER])


@pytest.fixture
def nurse(role_groups):
    return person([roles.LEARNER])


def scorm_lesson(package: ScormPackage):
    page = lesson(course(lessons=0), title="BCMA practice")
    page.scorm_package = package
    page.save_revision().publish()
    return page


@pytest.fixture
def lesson_12(trainer):
    return scorm_lesson(scorm_package_create(actor=trainer, title="", uploaded_file=package_12()))


@pytest.fixture
def lesson_2004(trainer):
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(
                ns=NS_2004,
                schemaversion="2004 3rd Edition",
                resources=(
                    '<resource identifier="r1" type="webcontent" adlcp:scormType="sco" '
                    'href="index.html"/>'
                ),
            ),
            "index.html": SCO_PAGE,
        }
    )
    return scorm_lesson(scorm_package_create(actor=trainer, title="", uploaded_file=upload))


@pytest.fixture
def multi_sco_lesson(trainer):
    items = (
        "".join(
            f'<item identifier="s{n}" identifierref="r{n}"><title>Part {n}</title></item>'
            for n in (1, 2)
        )
        + '<item identifier="s3" identifierref="r1" isvisible="false"><title>Hidden</title></item>'
    )
    resources = "".join(
        f'<resource identifier="r{n}" type="webcontent" adlcp:scormtype="sco" href="p{n}.html"/>'
        for n in (1, 2)
    )
    upload = make_zip(
        {
            "imsmanifest.xml": manifest(items=items, resources=resources),
            "p1.html": SCO_PAGE,
            "p2.html": SCO_PAGE,
        }
    )
    return scorm_lesson(scorm_package_create(actor=trainer, title="", uploaded_file=upload))


@pytest.fixture
def calls(monkeypatch):
    """The progress service, watched (its real work still happens)."""
    complete = mock.Mock(wraps=progress.lesson_complete)
    visit = mock.Mock(wraps=progress.lesson_visit)
    monkeypatch.setattr(progress, "lesson_complete", complete)
    monkeypatch.setattr(progress, "lesson_visit", visit)
    return mock.Mock(complete=complete, visit=visit)


def completed_at(staff, page):
    row = LessonProgress.objects.filter(staff=staff, lesson=page).first()
    return row and row.completed_at


# --- status extraction ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "completion", "success", "done"),
    [
        ("passed", "completed", "passed", True),
        ("completed", "completed", "unknown", True),
        ("failed", "completed", "failed", False),
        ("incomplete", "incomplete", "unknown", False),
        ("browsed", "incomplete", "unknown", False),
        ("not attempted", "not attempted", "unknown", False),
        ("", "not attempted", "unknown", False),
    ],
)
def test_scorm_12_lesson_status(status, completion, success, done):
    result = scorm_sco_status("1.2", {"cmi.core.lesson_status": status})
    assert (result.completion, result.success, result.done) == (completion, success, done)


@pytest.mark.parametrize(
    ("completion", "success", "done"),
    [
        ("completed", "unknown", True),
        ("incomplete", "passed", True),
        ("completed", "passed", True),
        ("completed", "failed", False),
        ("incomplete", "unknown", False),
        ("unknown", "unknown", False),
    ],
)
def test_scorm_2004_completion_and_success(completion, success, done):
    cmi = {"cmi.completion_status": completion, "cmi.success_status": success}
    assert scorm_sco_status("2004", cmi).done is done


@pytest.mark.parametrize(
    ("version", "cmi", "score"),
    [
        ("1.2", {"cmi.core.score.raw": "80", "cmi.core.score.max": "100"}, 80.0),
        (
            "1.2",
            {"cmi.core.score.raw": "8", "cmi.core.score.min": "0", "cmi.core.score.max": "10"},
            80.0,
        ),
        ("1.2", {"cmi.core.score.raw": "72.5"}, 72.5),
        ("1.2", {"cmi.core.score.raw": ""}, None),
        ("2004", {"cmi.score.scaled": "0.85", "cmi.score.raw": "17"}, 85.0),
        ("2004", {"cmi.score.raw": "17", "cmi.score.max": "20"}, 85.0),
        ("2004", {"cmi.score.raw": "nan"}, None),
    ],
)
def test_scores_are_kept_as_percentages(version, cmi, score):
    assert scorm_sco_status(version, cmi).score == score


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0000:01:30.50", 90),
        ("12:00:00", 43200),
        ("PT1H2M3.5S", 3723),
        ("PT45S", 45),
        ("P1DT1S", 86401),
        ("PT", 0),
        ("bogus", 0),
        ("", 0),
    ],
)
def test_session_times(value, seconds):
    assert scorm_time_seconds(value) == seconds


# --- commits --------------------------------------------------------------------------------


def test_a_12_pass_completes_the_lesson(nurse, lesson_12, calls):
    record = scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={"cmi.core.lesson_status": "incomplete", "cmi.core.lesson_location": "3"},
    )
    assert record.completion_status == "incomplete"
    assert not calls.complete.called
    assert completed_at(nurse, lesson_12) is None

    record = scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={
            "cmi.core.lesson_status": "passed",
            "cmi.core.score.raw": 90,
            "cmi.core.score.max": "100",
            "cmi.core.session_time": "0000:05:00",
        },
        terminate=True,
    )
    assert (record.completion_status, record.success_status, record.score) == (
        "completed",
        "passed",
        90.0,
    )
    # Merged, not replaced; values stored as strings.
    assert record.cmi["i1"]["cmi.core.lesson_location"] == "3"
    assert record.cmi["i1"]["cmi.core.score.raw"] == "90"
    calls.complete.assert_called_once_with(staff=nurse, lesson=lesson_12, seconds=300)
    assert completed_at(nurse, lesson_12) is not None
    assert LessonProgress.objects.get(staff=nurse, lesson=lesson_12).seconds_spent == 300


def test_completion_is_recorded_once(nurse, lesson_12, calls):
    for _ in range(3):
        scorm_commit(staff=nurse, lesson=lesson_12, cmi={"cmi.core.lesson_status": "completed"})
    assert calls.complete.call_count == 1
    assert ScormRecord.objects.count() == 1


def test_a_failed_test_does_not_complete_the_lesson(nurse, lesson_12, calls):
    record = scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "40"},
    )
    assert (record.completion_status, record.success_status) == ("completed", "failed")
    assert not calls.complete.called


def test_a_2004_completion_completes_the_lesson(nurse, lesson_2004, calls):
    record = scorm_commit(
        staff=nurse,
        lesson=lesson_2004,
        cmi={
            "cmi.completion_status": "completed",
            "cmi.success_status": "unknown",
            "cmi.score.scaled": "0.7",
            "cmi.session_time": "PT2M",
        },
        terminate=True,
    )
    assert (record.completion_status, record.success_status, record.score) == (
        "completed",
        "unknown",
        70.0,
    )
    calls.complete.assert_called_once_with(staff=nurse, lesson=lesson_2004, seconds=120)


def test_a_2004_pass_without_completion_completes_the_lesson(nurse, lesson_2004, calls):
    scorm_commit(
        staff=nurse,
        lesson=lesson_2004,
        cmi={"cmi.completion_status": "incomplete", "cmi.success_status": "passed"},
    )
    assert calls.complete.called


def test_a_12_sco_finishing_without_a_status_is_completed(nurse, lesson_12, calls):
    # SCORM 1.2: the LMS completes a SCO that finishes without reporting a status.
    record = scorm_commit(
        staff=nurse, lesson=lesson_12, cmi={"cmi.core.lesson_status": "not attempted"}
    )
    assert record.completion_status == "not attempted"  # a plain commit changes nothing
    record = scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={"cmi.core.lesson_status": "not attempted"},
        terminate=True,
    )
    assert record.completion_status == "completed"
    assert record.cmi["i1"]["cmi.core.lesson_status"] == "completed"
    assert calls.complete.called


def test_a_2004_sco_finishing_without_a_status_stays_unknown(nurse, lesson_2004, calls):
    record = scorm_commit(
        staff=nurse, lesson=lesson_2004, cmi={"cmi.completion_status": "unknown"}, terminate=True
    )
    assert record.completion_status == "unknown"
    assert not calls.complete.called


def test_finishing_without_completion_counts_the_time(nurse, lesson_12, calls):
    scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={"cmi.core.lesson_status": "incomplete", "cmi.core.session_time": "00:10:00"},
        terminate=True,
    )
    calls.visit.assert_called_once_with(staff=nurse, lesson=lesson_12, seconds=600)
    assert not calls.complete.called
    assert LessonProgress.objects.get(staff=nurse, lesson=lesson_12).completed_at is None


def test_multi_sco_lessons_complete_when_every_visible_sco_is_done(nurse, multi_sco_lesson, calls):
    record = scorm_commit(
        staff=nurse, lesson=multi_sco_lesson, sco="s1", cmi={"cmi.core.lesson_status": "passed"}
    )
    assert record.completion_status == "incomplete"
    assert not calls.complete.called
    record = scorm_commit(
        staff=nurse,
        lesson=multi_sco_lesson,
        sco="s2",
        cmi={"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "60"},
    )
    assert (record.completion_status, record.success_status, record.score) == (
        "completed",
        "passed",
        60.0,
    )
    assert set(record.cmi) == {"s1", "s2"}
    assert calls.complete.call_count == 1  # the hidden item s3 is not required


def test_descriptors_are_not_stored(nurse, lesson_12):
    record = scorm_commit(
        staff=nurse,
        lesson=lesson_12,
        cmi={
            "cmi.core._children": "student_id,student_name",
            "cmi.core.lesson_status": "incomplete",
            "cmi.objectives": {},  # scorm-again flattens an empty list to {}
        },
    )
    assert record.cmi == {"i1": {"cmi.core.lesson_status": "incomplete"}}


@pytest.mark.parametrize(
    ("cmi", "sco"),
    [
        (["cmi.core.lesson_status"], None),
        ({"window.location": "x"}, None),
        ({"cmi.core.lesson_status": {"nested": 1}}, None),
        ({"cmi.core.lesson_status": "passed"}, "no-such-item"),
    ],
)
def test_malformed_commits_change_nothing(nurse, lesson_12, calls, cmi, sco):
    with pytest.raises(ScormCommitError):
        scorm_commit(staff=nurse, lesson=lesson_12, cmi=cmi, sco=sco)
    assert not ScormRecord.objects.exists()
    assert not calls.complete.called


def test_too_much_data_is_refused_and_the_record_kept(nurse, lesson_12, settings):
    settings.SCORM_MAX_CMI_BYTES = 2000
    scorm_commit(staff=nurse, lesson=lesson_12, cmi={"cmi.suspend_data": "a" * 100})
    with pytest.raises(ScormCommitError, match="limit"):
        scorm_commit(staff=nurse, lesson=lesson_12, cmi={"cmi.suspend_data": "b" * 5000})
    assert ScormRecord.objects.get().cmi["i1"]["cmi.suspend_data"] == "a" * 100


def test_records_are_per_learner(nurse, lesson_12, role_groups):
    other = person([roles.LEARNER])
    scorm_commit(staff=nurse, lesson=lesson_12, cmi={"cmi.core.lesson_status": "passed"})
    scorm_commit(staff=other, lesson=lesson_12, cmi={"cmi.core.lesson_status": "incomplete"})
    statuses = dict(ScormRecord.objects.values_list("staff_id", "completion_status"))
    assert statuses == {nurse.pk: "completed", other.pk: "incomplete"}


# --- what a new launch starts with ----------------------------------------------------------


def test_restore_for_12_keeps_the_learners_state_and_identity(nurse, lesson_12):
    stored = {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.lesson_location": "7",
        "cmi.suspend_data": "page=7",
        "cmi.core.exit": "suspend",
        "cmi.core.session_time": "00:01:00",
        "cmi.core.total_time": "0000:03:00",
        "cmi.interactions.0.id": "q1",
    }
    restored = scorm_restore(lesson_12.scorm_package, stored, staff=nurse)
    assert restored == {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.lesson_location": "7",
        "cmi.suspend_data": "page=7",
        "cmi.core.total_time": "0000:03:00",
        "cmi.core.student_id": nurse.employee_no,
        "cmi.core.student_name": nurse.full_name,
        "cmi.core.credit": "credit",
        "cmi.core.lesson_mode": "normal",
        "cmi.core.entry": "resume",
    }


def test_restore_for_2004_first_launch(nurse, lesson_2004):
    restored = scorm_restore(lesson_2004.scorm_package, {}, staff=nurse)
    assert restored == {
        "cmi.learner_id": nurse.employee_no,
        "cmi.learner_name": nurse.full_name,
        "cmi.credit": "credit",
        "cmi.mode": "normal",
        "cmi.entry": "ab-initio",
    }


def test_a_preview_browses_without_credit(lesson_12):
    restored = scorm_restore(lesson_12.scorm_package, {})
    assert restored["cmi.core.credit"] == "no-credit"
    assert restored["cmi.core.lesson_mode"] == "browse"
    assert "cmi.core.student_id" not in restored


def test_restore_after_a_normal_exit_starts_a_fresh_session(nurse, lesson_2004):
    stored = {"cmi.completion_status": "completed", "cmi.exit": "normal"}
    restored = scorm_restore(lesson_2004.scorm_package, stored, staff=nurse)
    assert restored["cmi.entry"] == ""
    assert restored["cmi.completion_status"] == "completed"
