"""manage.py import_questions: a dry run prints one JSON object and writes nothing; --apply
imports everything or nothing; errors exit with status 1."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Question, QuestionCategory
from portal.records.models import AuditEvent

pytestmark = pytest.mark.django_db

GOOD = """\
$CATEGORY: $course$/top/Registration

::ID::Which document proves identity?{=ID card ~Library card}

::Wristband::Every inpatient wears a wristband.{T}

::Code::Discharge code?{=DIS}
"""

BAD = """\
::ID::Which document proves identity?{=ID card ~Library card}

::Broken::No right answer here{~a ~b
"""

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>Scan first</text></name>
    <questiontext format="html"><text>Scan before giving.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="ddwtos">
    <name><text>Drag words</text></name>
    <questiontext format="html"><text>[[1]]</text></questiontext>
  </question>
</quiz>
"""


def run(*args) -> tuple[dict, int]:
    out = StringIO()
    try:
        call_command("import_questions", *args, stdout=out)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    return json.loads(out.getvalue()), status


@pytest.fixture
def gift_file(tmp_path):
    def write(text: str, name="questions.gift"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_dry_run_prints_the_summary_and_writes_nothing(gift_file):
    report, status = run(gift_file(GOOD), "--format", "gift", "--category", "Pilot")
    assert status == 0
    assert report == {
        "questions": 3,
        "by_type": {"single": 1, "truefalse": 1, "shortanswer": 1},
        "categories": ["Pilot", "Pilot/Registration"],
        "errors": [],
        "unsupported": [],
    }
    assert not Question.objects.exists() and not QuestionCategory.objects.exists()


def test_errors_exit_1_with_lines_and_apply_still_writes_nothing(gift_file):
    path = gift_file(BAD)
    for extra in ([], ["--apply"]):
        report, status = run(path, "--format", "gift", *extra)
        assert status == 1
        assert report["questions"] == 1
        assert [error["line"] for error in report["errors"]] == [3]
        assert "applied" not in report
    assert not Question.objects.exists()


def test_apply_imports_and_reports_what_it_created(gift_file):
    report, status = run(gift_file(GOOD), "--format", "gift", "--category", "Pilot", "--apply")
    assert status == 0
    assert report["applied"] is True and report["created"] == 3
    assert report["categories_created"] == ["Pilot", "Pilot/Registration"]
    registration = QuestionCategory.objects.get(name="Registration")
    assert registration.questions.count() == 3 and registration.parent.name == "Pilot"
    assert all(q.versions.count() == 1 for q in Question.objects.all())
    assert AuditEvent.objects.get(action="questions.import").after["created"] == 3


def test_moodlexml_unsupported_types_are_listed(tmp_path):
    path = tmp_path / "quiz.xml"
    path.write_bytes(XML)
    report, status = run(str(path), "--format", "moodlexml", "--apply")
    assert status == 0
    assert report["unsupported"] == [{"type": "ddwtos", "name": "Drag words", "position": 2}]
    assert report["created"] == 1
    assert Question.objects.get().category.name == "Imported"


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_questions", str(tmp_path / "nope.gift"), "--format", "gift")
    with pytest.raises(CommandError):
        call_command("import_questions", str(tmp_path / "nope.gift"), "--format", "csv")
