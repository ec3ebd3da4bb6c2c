"""Every SCORM package of the third-party corpus (../shared/corpus/scorm, Moodle's test
packages; see its README): the good ones are accepted with the right version, extracted with
their launch file, play through the commit service and record completion; the bad ones are
refused with their specific message and nothing is stored.

The corpus is read where it lies and never copied into this repository; without it (a checkout
without ../shared) these tests skip."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import ScormPackage, ScormRecord
from courses.services import progress
from courses.services.scorm import (
    ScormPackageError,
    scorm_commit,
    scorm_package_create,
    scorm_required_items,
)
from portal.accounts import roles
from tests.conformance.corpus import corpus_dir, corpus_required
from tests.conformance.corpus import corpus_file as corpus_file_of
from tests.courses.factories import course, lesson
from tests.factories import UserFactory, person

CORPUS = corpus_dir("scorm")

pytestmark = pytest.mark.django_db

# file: (version, launch file, title, launchable items)
GOOD = {
    "singlescobasic.zip": (
        "1.2",
        "shared/launchpage.html",
        "Golf Explained - Run-time Basic Calls",
        1,
    ),
    "singlesco_scorm12.zip": ("1.2", "shared/launchpage.html", "Golf Explained - CP Single SCO", 1),
    "RuntimeMinimumCalls_SCORM12.zip": (
        "1.2",
        "Playing/Playing.html",
        "Golf Explained - Minimum Run-time Calls",
        18,
    ),
    "RuntimeMinimumCalls_SCORM12-mini.zip": (
        "1.2",
        "Playing/Playing.html",
        "Golf Explained - Minimum Run-time Calls",
        9,
    ),
    "RuntimeBasicCalls_SCORM20043rdEdition.zip": (
        "2004",
        "shared/launchpage.html",
        "Golf Explained - Run-time Basic Calls",
        1,
    ),
    "complexscorm.zip": ("1.2", "index.html", "The organization", 8),
}
BAD = {
    "singlescobasic_missingorg.zip": "The manifest has no organization",
    "badscorm.zip": "The package has no imsmanifest.xml at its root",
    "invalid.zip": "not a SCORM package",
    "validscorm.zip": "The imsmanifest.xml is empty or not well-formed XML",
    "validaicc.zip": "AICC packages are not supported; export as SCORM 1.2 or 2004.",
}


def corpus_file(name: str) -> Path:
    return corpus_file_of("scorm", name)


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, corpus_file(name).read_bytes(), "application/zip")


@pytest.fixture(autouse=True)
def scorm_root(settings, tmp_path):
    settings.SCORM_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def trainer(role_groups):
    return UserFactory(roles=[roles.TRAINER])


def test_the_corpus_is_complete_when_present():
    corpus_required("scorm")
    assert {p.name for p in CORPUS.glob("*.zip")} == set(GOOD) | set(BAD)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_packages_are_accepted(trainer, scorm_root, name):
    version, launch, title, launchable = GOOD[name]
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload(name))
    assert (package.version, package.launch, package.title) == (version, launch, title)
    folder = scorm_root / package.folder
    assert (folder / launch.split("?")[0]).is_file()
    assert (folder / "imsmanifest.xml").is_file()
    items = [i for i in package.manifest["items"] if i.get("href")]
    assert len(items) == launchable
    for item in items:  # every item's file was extracted, not only the first
        assert (folder / item["href"].split("?")[0]).is_file(), item


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_packages_record_completion(trainer, name, monkeypatch, role_groups):
    """Each required SCO reports completion as the Golf content does (1.2: lesson_status,
    2004: completion_status); the record and the lesson complete after the last one."""
    package = scorm_package_create(actor=trainer, title="", uploaded_file=upload(name))
    page = lesson(course(lessons=0))
    page.scorm_package = package
    page.save_revision().publish()
    nurse = person([roles.LEARNER])
    complete = mock.Mock(wraps=progress.lesson_complete)
    monkeypatch.setattr(progress, "lesson_complete", complete)
    done = (
        {"cmi.completion_status": "completed", "cmi.session_time": "PT30S"}
        if package.version == "2004"
        else {"cmi.core.lesson_status": "completed", "cmi.core.session_time": "00:00:30"}
    )
    required = scorm_required_items(package)
    assert required
    for item in required:
        assert not complete.called
        record = scorm_commit(staff=nurse, lesson=page, cmi=done, sco=item["id"], terminate=True)
    assert record.completion_status == "completed"
    assert complete.call_count == 1
    assert page.progress.get(staff=nurse).completed_at is not None
    assert ScormRecord.objects.filter(staff=nurse, lesson=page).count() == 1


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_packages_are_refused_with_their_message(trainer, scorm_root, name):
    with pytest.raises(ScormPackageError) as error:
        scorm_package_create(actor=trainer, title="", uploaded_file=upload(name))
    assert BAD[name] in error.value.message
    assert not ScormPackage.objects.exists()
    assert not list(scorm_root.rglob("*"))
