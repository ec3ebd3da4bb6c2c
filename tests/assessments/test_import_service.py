"""Import and export of question files (assessments.services.imports): conversion between the
file-neutral ParsedQuestion and the bank, all-or-nothing import, encodings, and round trips
through the real GIFT and Moodle XML readers and writers."""

from decimal import Decimal
from unittest import mock

import pytest

from assessments.formats.ir import Choice, MatchPair, ParsedQuestion, ParseError, ParseResult
from assessments.models import Question, QuestionCategory, QuestionVersion
from assessments.services import imports
from assessments.services.bank import question_snapshot, question_version_ensure
from assessments.services.imports import (
    ImportRefused,
    answer_rule_errors,
    categories_missing,
    category_paths,
    parsed_to_question,
    path_names,
    question_to_parsed,
    questions_export,
    questions_import_apply,
    questions_import_parse,
)
from portal.records.models import AuditEvent
from tests.assessments import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GIFT = """\
// Medication safety, written for these tests.
$CATEGORY: $course$/top/Nursing/Medication

// [id:MED-1] [tag:bcma] [tag:wristband]
::Five rights::Which check comes first before giving a drug?{
    =Scan the patient's wristband#Right: identify first.
    ~Ask the bed number#Beds change.
    ~Read the chart
####Always identify the patient first.}

::Allergy::An allergy alert may be overridden without a reason.{FALSE#Wrong.#Right.}

$CATEGORY: $course$/top/Billing

::Refund::Which are needed for a refund?{
    ~%50%A supervisor's approval
    ~%50%The original receipt
    ~%-100%Cash from the drawer
}

::Change::A bill of 37.5 paid with 50: how much change?{#12.5:0.01}

::Roles::Match each role to its screen.{
    =Cashier -> Billing
    =Nurse -> Medication administration
    = -> Bed management
}

::Code::Type the code for "discharged".{=DIS =dis#lower case is accepted too}

::Essay::Describe the downtime procedure.{}

::Welcome::This section is about billing.
"""

MOODLE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top/Registration</text></category>
    <info format="html"><text>Front desk questions</text></info></question>
  <question type="multichoice">
    <name><text>ID check</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>Which document proves identity?</p>]]></text>
    </questiontext>
    <single>true</single>
    <answer fraction="100"><text>ID card</text><feedback><text>Yes</text></feedback></answer>
    <answer fraction="0"><text>Library card</text></answer>
  </question>
  <question type="multianswer">
    <name><text>Cloze one</text></name>
    <questiontext format="html"><text>{1:SHORTANSWER:=a}</text></questiontext>
  </question>
</quiz>
"""


def snapshot_of(question: Question) -> dict:
    return question_snapshot(Question.objects.get(pk=question.pk))


# ---------------------------------------------------------------------------------------------
# Conversion


def test_parsed_to_question_stores_percentages_rows_tags_and_idnumber():
    cat = factories.category("Nursing")
    parsed = ParsedQuestion(
        qtype="multiple",
        name="Refund",
        text="Which are needed?",
        text_format="html",
        general_feedback="Both papers.",
        choices=[
            Choice("Approval", 0.5, "yes"),
            Choice("Receipt", 0.5),
            Choice("Cash", -1.0, "no"),
        ],
        default_mark=2.5,
        shuffle=False,
        idnumber="BIL-7",
        tags=["billing", "refund"],
    )
    question = parsed_to_question(parsed=parsed, category=cat)
    assert (question.qtype, question.name, question.text_format) == ("multiple", "Refund", "html")
    assert (question.idnumber, question.keywords) == ("BIL-7", "billing, refund")
    assert question.default_mark == Decimal("2.5") and question.shuffle_answers is False
    rows = list(question.answers.values_list("text", "fraction", "feedback", "sort_order"))
    assert rows == [
        ("Approval", Decimal("50"), "yes", 0),
        ("Receipt", Decimal("50"), "", 1),
        ("Cash", Decimal("-100"), "no", 2),
    ]


def test_truefalse_becomes_two_rows_true_then_false():
    parsed = ParsedQuestion(
        qtype="truefalse",
        text="Overrides need a reason.",
        choices=[Choice("false", 0.0, "No."), Choice("true", 1.0, "Yes.")],
    )
    question = parsed_to_question(parsed=parsed, category=factories.category())
    assert list(question.answers.values_list("text", "fraction", "feedback")) == [
        ("true", Decimal("100"), "Yes."),
        ("false", Decimal("0"), "No."),
    ]
    assert not answer_rule_errors(qtype="truefalse", answers=snapshot_of(question)["answers"])


def test_matching_pairs_and_distractor():
    parsed = ParsedQuestion(
        qtype="matching",
        text="Match",
        pairs=[MatchPair("Cashier", "Billing"), MatchPair("Nurse", "MAR"), MatchPair("", "Beds")],
    )
    question = parsed_to_question(parsed=parsed, category=factories.category())
    assert list(question.answers.values_list("text", "match", "fraction")) == [
        ("Cashier", "Billing", Decimal("0")),
        ("Nurse", "MAR", Decimal("0")),
        ("", "Beds", Decimal("0")),
    ]
    back = question_to_parsed(question)
    assert back.pairs == parsed.pairs and back.choices == []


def test_numerical_values_any_answer_and_thirds():
    parsed = ParsedQuestion(
        qtype="numerical",
        text="Change?",
        choices=[
            Choice("", 1.0, "exact", value=12.5, tolerance=0.01),
            Choice("13", 1 / 3, "close", value=13.0),
            Choice("*", 0.0, "try again"),
        ],
    )
    question = parsed_to_question(parsed=parsed, category=factories.category())
    assert list(question.answers.values_list("text", "fraction", "tolerance")) == [
        ("12.5", Decimal("100"), Decimal("0.01")),
        ("13", Decimal("33.33333"), Decimal("0")),
        ("*", Decimal("0"), Decimal("0")),
    ]
    back = question_to_parsed(question)
    assert [(c.text, c.value, c.tolerance) for c in back.choices] == [
        ("12.5", 12.5, 0.01),
        ("13", 13.0, 0.0),
        ("*", None, 0.0),
    ]
    assert back.choices[1].fraction == pytest.approx(1 / 3, abs=1e-6)


def test_description_has_mark_zero_and_long_names_are_cut():
    parsed = ParsedQuestion(qtype="description", text="x" * 400, default_mark=1.0)
    question = parsed_to_question(parsed=parsed, category=factories.category())
    assert question.default_mark == 0
    assert len(question.name) == 255 and question.name.endswith("…")


@pytest.mark.parametrize(
    "qtype", ["single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay"]
)
def test_question_to_parsed_and_back_keeps_the_snapshot(qtype):
    original = factories.question(qtype, idnumber="X-1", keywords="a, b", general_feedback="gf")
    parsed = question_to_parsed(original)
    assert parsed.category == original.category.name
    assert (parsed.idnumber, parsed.tags) == ("X-1", ["a", "b"])
    copy = parsed_to_question(parsed=parsed, category=factories.category())
    assert snapshot_of(copy) == snapshot_of(original)


def test_question_to_parsed_reads_an_earlier_version():
    question = factories.question("shortanswer", answers=[("wristband", 100)])
    first = question.versions.get()
    # Somebody answered version 1, then the key was edited: version 2.
    with mock.patch("assessments.services.bank.version_attempted", return_value=True):
        row = question.answers.get()
        row.text = "armband"
        row.save()
        question_version_ensure(question=Question.objects.get(pk=question.pk))
    assert question.versions.count() == 2
    assert [c.text for c in question_to_parsed(first).choices] == ["wristband"]
    assert [c.text for c in question_to_parsed(question).choices] == ["armband"]


# ---------------------------------------------------------------------------------------------
# Rules (the admin form uses the same function)


@pytest.mark.parametrize(
    ("qtype", "answers", "expected"),
    [
        ("single", [("a", 1)], "at least two answers"),
        ("single", [("a", 0.5), ("b", 0)], "worth 100%"),
        ("single", [("a", 1), ("", 0.5)], "has a grade but no text"),
        ("multiple", [("a", 0.5), ("b", 0.25), ("c", -1)], "add up to 100% (they add up to 75%)"),
        ("truefalse", [("true", 1)], 'exactly two answers: "true" and "false"'),
        ("truefalse", [("true", 1), ("false", 1)], "Exactly one of true and false"),
        ("shortanswer", [], "at least one answer worth 100%"),
        ("shortanswer", [("a", 0.5)], "worth 100%"),
        ("numerical", [("five", 1)], '"five" is not a number'),
        ("single", [("a", 1.5), ("b", 0)], "between -100% and 100%"),
        ("essay", [("a", 0)], "has no answers"),
    ],
)
def test_answer_rules(qtype, answers, expected):
    rows = [{"text": text, "fraction": fraction} for text, fraction in answers]
    errors = answer_rule_errors(qtype=qtype, answers=rows)
    assert any(expected in error for error in errors), errors


def test_answer_rules_matching_and_valid_sets():
    two_pairs = [{"text": "a", "match": "1"}, {"text": "b", "match": "2"}]
    assert (
        "at least two sub-questions and three answers"
        in answer_rule_errors(qtype="matching", answers=two_pairs)[0]
    )
    missing_match = [*two_pairs, {"text": "c", "match": ""}]
    assert answer_rule_errors(qtype="matching", answers=missing_match) == [
        "Row 3 needs a matching answer."
    ]
    distractor = {"text": "", "match": "3"}
    assert answer_rule_errors(qtype="matching", answers=[*two_pairs, distractor]) == []
    assert answer_rule_errors(qtype="numerical", answers=[{"text": "*", "fraction": 1}]) == []
    assert (
        answer_rule_errors(
            qtype="multiple",
            answers=[
                {"text": t, "fraction": f} for t, f in (("a", 1 / 3), ("b", 1 / 3), ("c", 1 / 3))
            ],
        )
        == []
    )


# ---------------------------------------------------------------------------------------------
# Parse (nothing written)


def test_parse_gift_counts_types_and_categories_without_writing():
    result = questions_import_parse(data=GIFT.encode(), fmt="gift", category="Go-live 2026")
    assert result.ok, result.errors
    summary = result.summary()
    assert summary["questions"] == 8
    assert summary["by_type"] == {
        "single": 1,
        "truefalse": 1,
        "multiple": 1,
        "numerical": 1,
        "matching": 1,
        "shortanswer": 1,
        "essay": 1,
        "description": 1,
    }
    assert summary["categories"] == [
        "Go-live 2026",
        "Go-live 2026/Nursing",
        "Go-live 2026/Nursing/Medication",
        "Go-live 2026/Billing",
    ]
    assert Question.objects.count() == 0 and QuestionCategory.objects.count() == 0


def test_parse_gift_reads_utf8_with_bom_and_gbk():
    text = "::编号::患者腕带上的编号是什么？{=住院号 ~床号}\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("gbk")):
        result = questions_import_parse(data=data, fmt="gift")
        assert result.ok, result.errors
        assert result.questions[0].name == "编号"
        assert [c.text for c in result.questions[0].choices] == ["住院号", "床号"]


def test_parse_gift_that_is_neither_utf8_nor_gbk_is_refused_with_its_line():
    data = b"::A::ok{=a ~b}\n\n::B::bad \xff\xff here{=a ~b}\n"
    result = questions_import_parse(data=data, fmt="gift")
    assert not result.ok and result.questions == []
    assert result.errors[0].line == 3
    assert "neither UTF-8 nor GBK" in result.errors[0].message


def test_parse_errors_carry_lines_and_the_bank_checks_what_readers_allow():
    data = ("// [id:" + "x" * 150 + "]\n::Long id::Q{=a ~b}\n\n::Fine::Q{=a ~b}\n").encode()
    result = questions_import_parse(data=data, fmt="gift")
    assert [(e.line, "longer than 100" in e.message) for e in result.errors] == [(2, True)]
    assert '"Long id"' in result.errors[0].message


def test_parse_moodlexml_lists_unsupported_types_by_name_and_position():
    result = questions_import_parse(data=MOODLE_XML, fmt="moodlexml")
    assert result.ok
    assert [(u.name, u.position) for u in result.unsupported] == [("Cloze one", 3)]
    assert result.categories == ["Registration"]


def test_parse_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError):
        questions_import_parse(data=b"", fmt="csv")


# ---------------------------------------------------------------------------------------------
# Apply (all or nothing)


def test_apply_creates_categories_questions_versions_and_one_audit_event():
    trainer = UserFactory()
    existing = factories.category("Go-live 2026")
    result = questions_import_parse(data=GIFT.encode(), fmt="gift", category="Go-live 2026")
    assert categories_missing(result.categories) == [
        p for p in result.categories if p != "Go-live 2026"
    ]
    report = questions_import_apply(result=result, actor=trainer, ip="10.0.0.9")

    assert report.questions == 8 and Question.objects.count() == 8
    assert sorted(report.categories_created) == [
        "Go-live 2026/Billing",
        "Go-live 2026/Nursing",
        "Go-live 2026/Nursing/Medication",
    ]
    medication = QuestionCategory.objects.get(name="Medication")
    assert medication.path == "Go-live 2026/Nursing/Medication"
    assert medication.parent.parent == existing
    first = Question.objects.get(name="Five rights")
    assert first.category == medication and first.created_by == trainer
    assert (first.idnumber, first.keywords) == ("MED-1", "bcma, wristband")
    assert QuestionVersion.objects.count() == 8
    assert all(q.versions.get().number == 1 for q in Question.objects.all())
    event = AuditEvent.objects.get(action="questions.import")
    assert event.actor_id == trainer.pk and event.ip == "10.0.0.9"
    assert event.after["created"] == 8 and event.after["created_by_type"]["single"] == 1


def test_apply_puts_questions_without_category_under_the_base_or_imported():
    result = questions_import_parse(data=b"::A::Q{=a ~b}\n", fmt="gift")
    questions_import_apply(result=result, actor=None)
    questions_import_apply(result=result, actor=None, base_category="Pilot//Ward/Nurses")
    paths = sorted(category_paths()[q.category_id] for q in Question.objects.all())
    assert paths == ["Imported", "Pilot//Ward/Nurses"]
    assert QuestionCategory.objects.get(name="Pilot/Ward").children.get().name == "Nurses"


def test_apply_refuses_a_result_with_errors_and_writes_nothing():
    result = ParseResult(
        questions=[ParsedQuestion(qtype="essay", text="fine")],
        errors=[ParseError("bad", line=4)],
    )
    with pytest.raises(ImportRefused):
        questions_import_apply(result=result, actor=None)
    assert not Question.objects.exists() and not QuestionCategory.objects.exists()
    assert not AuditEvent.objects.filter(action="questions.import").exists()


def test_apply_rolls_back_everything_when_a_question_fails_midway():
    result = questions_import_parse(data=GIFT.encode(), fmt="gift")
    real = imports.question_version_ensure
    calls = {"n": 0}

    def failing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk full")
        return real(**kwargs)

    with mock.patch.object(imports, "question_version_ensure", failing):
        with pytest.raises(RuntimeError):
            questions_import_apply(result=result, actor=None)
    assert Question.objects.count() == 0 and QuestionCategory.objects.count() == 0
    assert QuestionVersion.objects.count() == 0


def test_moodlexml_category_description_is_kept():
    result = questions_import_parse(data=MOODLE_XML, fmt="moodlexml")
    report = questions_import_apply(result=result, actor=None)
    assert report.categories_created == ["Registration"]
    assert QuestionCategory.objects.get(name="Registration").info == "Front desk questions"


# ---------------------------------------------------------------------------------------------
# Export


@pytest.mark.parametrize("fmt", ["gift", "moodlexml"])
def test_export_then_import_gives_the_same_questions(fmt):
    gift = questions_import_parse(data=GIFT.encode(), fmt="gift", category="Source")
    questions_import_apply(result=gift, actor=None)
    originals = list(Question.objects.order_by("pk"))

    exported = questions_export(questions=originals, fmt=fmt)
    assert isinstance(exported, str if fmt == "gift" else bytes)
    data = exported.encode() if isinstance(exported, str) else exported
    back = questions_import_parse(data=data, fmt=fmt, category="Copy")
    assert back.ok, back.errors
    questions_import_apply(result=back, actor=None)

    copies = Question.objects.exclude(pk__in=[q.pk for q in originals]).order_by("pk")
    paths = category_paths()
    assert len(copies) == len(originals)
    by_name = {q.name: q for q in copies}
    for original in originals:
        copy = by_name[original.name]
        assert paths[copy.category_id] == "Copy/" + paths[original.category_id]
        assert (copy.idnumber, copy.keywords) == (original.idnumber, original.keywords)
        mine, theirs = snapshot_of(original), snapshot_of(copy)
        if fmt == "gift":
            # GIFT cannot say shuffle, case sensitivity or the mark (see gift.py).
            for key in ("shuffle", "case_sensitive", "default_mark"):
                mine.pop(key), theirs.pop(key)
        assert theirs == mine, original.name


def test_export_query_count_does_not_grow_with_questions(django_assert_max_num_queries):
    cat = factories.category("Ward")
    for qtype in ("single", "matching", "numerical"):
        factories.question(qtype, category_=cat)
    few = imports.questions_for_export(Question.objects.all())
    with django_assert_max_num_queries(5) as few_queries:
        questions_export(questions=few, fmt="moodlexml")
    for _ in range(10):
        factories.question("multiple", category_=factories.category(parent=cat))
    many = imports.questions_for_export(Question.objects.all())
    with django_assert_max_num_queries(len(few_queries.captured_queries)):
        text = questions_export(questions=many, fmt="gift")
    assert text.count("$CATEGORY:") == 11


def test_path_names_unescape_moodle_slashes():
    assert path_names("A//B/C") == ["A/B", "C"]
    assert path_names("") == []
    parent = factories.category("HIS/EMR")
    factories.category("Orders", parent=parent)
    assert sorted(category_paths().values()) == ["HIS//EMR", "HIS//EMR/Orders"]
    assert categories_missing(["HIS//EMR/Orders", "HIS//EMR/Labs", "HIS/EMR"]) == [
        "HIS//EMR/Labs",
        "HIS/EMR",
    ]
