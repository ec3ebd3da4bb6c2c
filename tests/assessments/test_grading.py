"""Pure grading of one response against a version's content (no database): every question
type with Moodle's semantics, and the validation of what a browser sends."""

import pytest

from assessments.grading import number_parse, response_fraction, response_validate


def content(qtype, answers=(), **extra) -> dict:
    """A version snapshot; answers as (text, fraction[, extra dict])."""
    rows = []
    for text, fraction, *more in answers:
        row = {
            "text": text,
            "text_zh": "",
            "fraction": fraction,
            "feedback": "",
            "feedback_zh": "",
            "tolerance": 0.0,
            "match": "",
            "match_zh": "",
        }
        row.update(more[0] if more else {})
        rows.append(row)
    return {
        "qtype": qtype,
        "name": "Q",
        "text": "Q?",
        "text_zh": "",
        "text_format": "html",
        "general_feedback": "",
        "general_feedback_zh": "",
        "default_mark": "1.00",
        "shuffle": True,
        "case_sensitive": extra.pop("case_sensitive", False),
        "answers": rows,
        **extra,
    }


SINGLE = content("single", [("Scan", 1.0), ("Ask", 0.0), ("Skip", -0.5)])
MULTIPLE = content("multiple", [("Name", 0.5), ("DOB", 0.5), ("Bed", -1.0), ("MRN", 0.0)])
TRUEFALSE = content("truefalse", [("true", 0.0), ("false", 1.0)])
NUMERICAL = content(
    "numerical",
    [("5", 1.0, {"tolerance": 0.5}), ("50", 0.5, {"tolerance": 0}), ("*", 0.1)],
)
MATCHING = content(
    "matching",
    [
        ("Cashier", 0.0, {"match": "Billing"}),
        ("Nurse", 0.0, {"match": "Medication"}),
        ("Doctor", 0.0, {"match": "Orders"}),
        ("", 0.0, {"match": "Laundry"}),  # a distractor: only an extra choice
    ],
)


# ---------------------------------------------------------------------------------------------
# Single choice, true/false, multiple choice


@pytest.mark.parametrize(("choice", "expected"), [(0, 1.0), (1, 0.0), (2, -0.5)])
def test_single_choice_scores_the_chosen_answer_including_a_penalty(choice, expected):
    assert response_fraction(SINGLE, {"choice": choice}) == expected


def test_true_false_scores_the_chosen_answer():
    assert response_fraction(TRUEFALSE, {"choice": 1}) == 1.0
    assert response_fraction(TRUEFALSE, {"choice": 0}) == 0.0


def test_unanswered_scores_zero():
    for question in (SINGLE, MULTIPLE, TRUEFALSE, NUMERICAL, MATCHING):
        assert response_fraction(question, None) == 0.0


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        ([0, 1], 1.0),
        ([0], 0.5),
        ([0, 3], 0.5),
        ([], 0.0),
        ([0, 2], 0.0),  # 0.5 - 1.0 is clamped to 0
        ([0, 1, 2], 0.0),
        ([2], 0.0),
    ],
)
def test_multiple_choice_sums_fractions_clamped_to_zero_and_one(choices, expected):
    assert response_fraction(MULTIPLE, {"choices": choices}) == expected


def test_multiple_choice_never_exceeds_one():
    generous = content("multiple", [("A", 0.7), ("B", 0.7)])
    assert response_fraction(generous, {"choices": [0, 1]}) == 1.0


# ---------------------------------------------------------------------------------------------
# Short answer


SHORT = content(
    "shortanswer",
    [("wristband", 1.0), ("wrist*", 0.5), ("*band", 0.25), ("2\\*3", 0.75)],
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wristband", 1.0),
        ("  WristBand ", 1.0),  # trimmed; case-insensitive by default
        ("wrist scanner", 0.5),  # first matching pattern in order
        ("wrist", 0.5),  # * matches nothing too
        ("armband", 0.25),
        ("2*3", 0.75),  # \* is a literal asterisk
        ("2x3", 0.0),
        ("name", 0.0),
        ("", 0.0),
        ("wristband.", 0.5),  # the whole text must match: "wristband." only fits wrist*
    ],
)
def test_short_answer_patterns_with_wildcard(text, expected):
    assert response_fraction(SHORT, {"text": text}) == expected


def test_short_answer_case_sensitive():
    question = content("shortanswer", [("HIS", 1.0)], case_sensitive=True)
    assert response_fraction(question, {"text": "HIS"}) == 1.0
    assert response_fraction(question, {"text": "his"}) == 0.0
    relaxed = content("shortanswer", [("HIS", 1.0)], case_sensitive=False)
    assert response_fraction(relaxed, {"text": "his"}) == 1.0


def test_short_answer_regex_characters_are_literal():
    question = content("shortanswer", [("a.b (c)", 1.0)])
    assert response_fraction(question, {"text": "a.b (c)"}) == 1.0
    assert response_fraction(question, {"text": "axb (c)"}) == 0.0


# ---------------------------------------------------------------------------------------------
# Numerical


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", 1.0),
        ("5.5", 1.0),  # on the tolerance boundary: accepted exactly
        ("4.5", 1.0),
        ("4,75", 1.0),  # decimal comma
        (" 5 ", 1.0),
        ("5.51", 0.1),  # outside the tolerance: falls through to "*"
        ("50", 0.5),  # several accepted answers, each with its own fraction
        ("5e1", 0.5),
        ("1,000", 0.1),  # one comma without a point is a decimal comma: 1.0
        ("1,000.5", 0.1),  # with a point, commas are thousands separators: 1000.5
        ("abc", 0.0),  # not a number: no answer, not even "*"
        ("", 0.0),
        ("nan", 0.0),
    ],
)
def test_numerical_tolerance_several_answers_and_wildcard(text, expected):
    assert response_fraction(NUMERICAL, {"text": text}) == expected


def test_numerical_without_wildcard_scores_zero_when_nothing_matches():
    question = content("numerical", [("3.14", 1.0, {"tolerance": 0.01})])
    assert response_fraction(question, {"text": "3.15"}) == 1.0
    assert response_fraction(question, {"text": "3.16"}) == 0.0
    assert response_fraction(question, {"text": "-3.14"}) == 0.0


def test_number_parse():
    assert str(number_parse("1,5")) == "1.5"
    assert str(number_parse("1,000,000")) == "1000000"
    assert number_parse("1.2.3") is None
    assert number_parse("inf") is None


# ---------------------------------------------------------------------------------------------
# Matching


def test_matching_scores_right_subquestions_over_subquestions():
    all_right = {"matches": {"0": 0, "1": 1, "2": 2}}
    assert response_fraction(MATCHING, all_right) == 1.0
    one_wrong = {"matches": {"0": 0, "1": 2, "2": 1}}
    assert response_fraction(MATCHING, one_wrong) == pytest.approx(1 / 3)
    distractor = {"matches": {"0": 3, "1": 1}}  # Laundry is never right; 2 not answered
    assert response_fraction(MATCHING, distractor) == pytest.approx(1 / 3)
    assert response_fraction(MATCHING, {"matches": {}}) == 0.0
    assert response_fraction(MATCHING, {"matches": {"0": None}}) == 0.0


def test_matching_a_repeated_match_text_is_right_from_any_row_carrying_it():
    question = content(
        "matching",
        [("Nurse", 0.0, {"match": "Ward"}), ("Doctor", 0.0, {"match": "Ward"})],
    )
    assert response_fraction(question, {"matches": {"0": 1, "1": 0}}) == 1.0


# ---------------------------------------------------------------------------------------------
# Essay and description


def test_essay_waits_for_a_trainer_unless_empty():
    essay = content("essay")
    assert response_fraction(essay, {"text": "I would check the wristband."}) is None
    assert response_fraction(essay, {"text": "   "}) == 0.0
    assert response_fraction(essay, None) == 0.0


def test_description_is_not_graded():
    assert response_fraction(content("description"), None) is None


# ---------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize(
    ("question", "response"),
    [
        (SINGLE, {"choice": 0}),
        (SINGLE, None),
        (TRUEFALSE, {"choice": 1}),
        (MULTIPLE, {"choices": []}),
        (MULTIPLE, {"choices": [3, 0]}),
        (SHORT, {"text": ""}),
        (NUMERICAL, {"text": "not yet a number"}),  # typing in progress is kept
        (content("essay"), {"text": "x" * 50_000}),
        (MATCHING, {"matches": {"0": 3, "2": None}}),
        (content("description"), None),
    ],
)
def test_valid_responses(question, response):
    response_validate(question, response)


@pytest.mark.parametrize(
    ("question", "response", "message"),
    [
        (SINGLE, [0], "JSON object"),
        (SINGLE, {"choice": 3}, "between 0 and 2"),
        (SINGLE, {"choice": -1}, "between 0 and 2"),
        (SINGLE, {"choice": True}, "between 0 and 2"),
        (SINGLE, {"choice": "0"}, "between 0 and 2"),
        (SINGLE, {"choices": [0]}, '{"choice": ...}'),
        (SINGLE, {"choice": 0, "extra": 1}, '{"choice": ...}'),
        (MULTIPLE, {"choices": 0}, "must be a list"),
        (MULTIPLE, {"choices": [0, 0]}, "chosen twice"),
        (MULTIPLE, {"choices": [4]}, "between 0 and 3"),
        (SHORT, {"text": 5}, "must be a string"),
        (SHORT, {"text": "x" * 1001}, "too long"),
        (NUMERICAL, {"answer": "5"}, '{"text": ...}'),
        (MATCHING, {"matches": [0]}, "must be an object"),
        (MATCHING, {"matches": {"3": 0}}, "not a subquestion"),
        (MATCHING, {"matches": {"0": 9}}, "between 0 and 3"),
        (content("description"), {"text": "x"}, "not answered"),
    ],
)
def test_malformed_responses_are_refused_with_a_message(question, response, message):
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("(", r"\(")):
        response_validate(question, response)


def test_a_matching_row_without_a_match_text_cannot_be_chosen():
    question = content(
        "matching", [("Nurse", 0.0, {"match": "Ward"}), ("Doctor", 0.0, {"match": ""})]
    )
    with pytest.raises(ValueError, match="not a matching answer"):
        response_validate(question, {"matches": {"0": 1}})
