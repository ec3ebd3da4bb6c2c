"""Every GIFT file of the third-party corpus (../shared/corpus/gift, from the gift-pegjs parser's
test suite; see its README) against the parse that comes with it (NAME.json): number of
questions, type, title, text and its format, answers with correctness and fractions, feedback,
general feedback, idnumber and tags, matching pairs, numbers and tolerances, categories. Then
each file makes the round trip write_gift -> parse_gift unchanged.

The .json files are the output of another parser, so they are compared for what they mean, not
byte for byte:
- Texts are compared with runs of white space made one space: gift-pegjs joins a text's lines
  with a space where Moodle (and Readyline, for the "moodle" auto-format) keeps the line break.
- The blank of an answer block inside the text: Moodle puts "_____" exactly where the block
  was ("from _____."), gift-pegjs pads it with spaces ("from _____ ."); spaces around the blank
  are ignored.
- gift-pegjs has no name for an untitled question; Moodle (and Readyline) make one from the text.
- A JSON feedback of null is our "".
- Per-answer formats (`[plain]` on one answer) are not compared: the `ir` has one format per
  question; the answer's text without its `[format]` is.
- True/false feedback: gift-pegjs reads `{ANSWER#first#second}` as (trueFeedback,
  falseFeedback) whatever the answer. Moodle reads it as (feedback for a wrong answer, feedback
  for a right answer) (question/format/gift/format.php, split_truefalse_comment and the
  'truefalse' case), and Readyline follows Moodle. For {FALSE...} both readings agree; for
  {TRUE#a#b} gift-pegjs calls "a" the true feedback where Moodle shows "a" to whoever answers
  false. So the JSON's trueFeedback is compared with the feedback of the wrong choice and its
  falseFeedback with the feedback of the right one (TFTwoFeedback has both cases).
- Categories: the JSON keeps "$course$/top/NAME"; Readyline's path drops the context segment and
  "top" (as the Moodle XML reader does), so it is "NAME".

The corpus is read where it lies and never copied into this repository; without it (a checkout
without ../shared) these tests skip."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from assessments.formats.gift import BLANK, parse_gift, write_gift
from tests.conformance.corpus import corpus_dir, corpus_required
from tests.conformance.corpus import corpus_file as corpus_file_of

CORPUS = corpus_dir("gift")
NAMES = sorted(path.stem for path in CORPUS.glob("*.gift")) or ["(corpus absent)"]

QTYPES = {
    "TF": {"truefalse"},
    "Short": {"shortanswer"},
    "Numerical": {"numerical"},
    "Matching": {"matching"},
    "Essay": {"essay"},
    "Description": {"description"},
}


def corpus_file(name: str) -> Path:
    return corpus_file_of("gift", name)


def norm(text: str | None) -> str:
    text = re.sub(rf"\s*{BLANK}\s*", f" {BLANK} ", text or "")
    return " ".join(text.split())


def feedback(entry: dict | None) -> str:
    return norm(entry["text"]) if entry else ""


def fraction(choice: dict) -> float:
    if choice["weight"] is not None:
        return choice["weight"] / 100
    return 1.0 if choice["isCorrect"] else 0.0


def test_the_corpus_is_complete_when_present():
    corpus_required("gift")
    gifts = {path.stem for path in CORPUS.glob("*.gift")}
    assert len(gifts) == 51
    assert gifts == {path.stem for path in CORPUS.glob("*.json")}


def check_choices(question, expected):
    assert len(question.choices) == len(expected)
    for choice, ref in zip(question.choices, expected, strict=True):
        assert norm(choice.text) == norm(ref["text"]["text"])
        assert choice.fraction == pytest.approx(fraction(ref), abs=1e-6)
        assert norm(choice.feedback) == feedback(ref["feedback"])


def check_truefalse(question, ref):
    assert [choice.text for choice in question.choices] == ["true", "false"]
    true, false = question.choices
    assert (true.fraction, false.fraction) == ((1.0, 0.0) if ref["isTrue"] else (0.0, 1.0))
    right, wrong = (true, false) if ref["isTrue"] else (false, true)
    # gift-pegjs's (true, false) are the written (first, second) = Moodle's (wrong, right).
    assert norm(wrong.feedback) == feedback(ref["trueFeedback"])
    assert norm(right.feedback) == feedback(ref["falseFeedback"])


def number(ref: dict) -> tuple[float, float]:
    if ref["type"] == "simple":
        return ref["number"], 0.0
    if ref["type"] == "range":
        return ref["number"], ref["range"]
    low, high = ref["numberLow"], ref["numberHigh"]
    return (low + high) / 2, (high - low) / 2


def check_numerical(question, expected):
    if isinstance(expected, dict):  # one answer, worth 100%, no feedback
        expected = [{"isCorrect": True, "weight": None, "text": expected, "feedback": None}]
    assert len(question.choices) == len(expected)
    for choice, ref in zip(question.choices, expected, strict=True):
        assert choice.fraction == pytest.approx(fraction(ref), abs=1e-6)
        assert norm(choice.feedback) == feedback(ref["feedback"])
        if "type" in ref["text"]:
            value, tolerance = number(ref["text"])
            assert (choice.text, choice.value) == ("", pytest.approx(value))
            assert choice.tolerance == pytest.approx(tolerance)
        else:  # "any other answer"
            assert (choice.text, choice.value) == ("*", None) == (ref["text"]["text"], None)


def check_question(question, ref):
    kind = ref["type"]
    if kind == "MC":
        single = any(choice["isCorrect"] for choice in ref["choices"])
        assert question.qtype == ("single" if single else "multiple")
    else:
        assert question.qtype in QTYPES[kind]
    assert question.name == (ref["title"] or question.name)
    if ref["title"] is None:
        assert question.name  # Moodle's default name, made from the text
    assert question.text_format == ref["stem"]["format"]
    assert norm(question.text) == norm(ref["stem"]["text"])
    if ref["hasEmbeddedAnswers"]:
        assert BLANK in question.text
    assert question.idnumber == (ref["id"] or "")
    assert question.tags == (ref["tags"] or [])
    assert norm(question.general_feedback) == feedback(ref.get("globalFeedback"))
    if kind in ("MC", "Short"):
        check_choices(question, ref["choices"])
    elif kind == "TF":
        check_truefalse(question, ref)
    elif kind == "Numerical":
        check_numerical(question, ref["choices"])
    elif kind == "Matching":
        assert [(norm(pair.question), norm(pair.answer)) for pair in question.pairs] == [
            (norm(pair["subquestion"]["text"]), norm(pair["subanswer"]))
            for pair in ref["matchPairs"]
        ]
    else:
        assert question.choices == [] and question.pairs == []
    assert question.default_mark == (0.0 if kind == "Description" else 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_file_matches_its_reference_parse(name):
    gift = corpus_file(f"{name}.gift")
    reference = json.loads(corpus_file(f"{name}.json").read_text(encoding="utf-8"))
    result = parse_gift(gift.read_text(encoding="utf-8"))
    assert result.errors == []
    assert result.unsupported == []
    expected_questions = [entry for entry in reference if entry["type"] != "Category"]
    expected_categories = [
        re.sub(r"^\$\w+\$/(top/)?", "", entry["title"])
        for entry in reference
        if entry["type"] == "Category"
    ]
    assert result.categories == expected_categories
    assert len(result.questions) == len(expected_questions)
    for question, ref in zip(result.questions, expected_questions, strict=True):
        check_question(question, ref)


@pytest.mark.parametrize("name", NAMES)
def test_file_survives_a_round_trip(name):
    result = parse_gift(corpus_file(f"{name}.gift").read_text(encoding="utf-8"))
    written = write_gift(result.questions)
    again = parse_gift(written)
    assert again.errors == []
    assert [replace(q, line=None) for q in again.questions] == [
        replace(q, line=None) for q in result.questions
    ]
