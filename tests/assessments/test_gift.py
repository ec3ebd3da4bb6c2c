"""The GIFT reader and writer (assessments.formats.gift) on small samples written for these
tests: each feature, each refusal with its line and message, and the way back."""

from dataclasses import replace
from textwrap import dedent

import pytest

from assessments.formats.gift import BLANK, category_path, parse_gift, write_gift
from assessments.formats.ir import Choice, MatchPair, ParsedQuestion


def gift(text: str) -> str:
    return dedent(text).lstrip("\n")


def one(text: str) -> ParsedQuestion:
    result = parse_gift(gift(text))
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


def errors(text: str) -> list[tuple[int, str]]:
    result = parse_gift(gift(text))
    assert result.questions == []
    return [(error.line, error.message) for error in result.errors]


# Types -----------------------------------------------------------------------------------------


def test_single_choice():
    question = one("Which ward treats burns?{~Cardiology =Burns unit ~Maternity}")
    assert question.qtype == "single"
    assert question.text == "Which ward treats burns?"
    assert question.name == "Which ward treats burns?"  # Moodle's default name: the text
    assert question.text_format == "moodle"
    assert question.choices == [
        Choice("Cardiology", 0.0),
        Choice("Burns unit", 1.0),
        Choice("Maternity", 0.0),
    ]
    assert (question.line, question.default_mark, question.shuffle) == (1, 1.0, True)


def test_single_choice_with_partial_credit_and_feedback_on_separate_lines():
    question = one(
        """
        ::Triage:: Who is seen first? {
            ~%50%The child with a fever   # Close: check the airway first.
            =The patient who cannot breathe#Right.
            ~The walking wounded
        }
        """
    )
    assert (question.qtype, question.name, question.text) == (
        "single",
        "Triage",
        "Who is seen first?",
    )
    assert question.choices == [
        Choice("The child with a fever", 0.5, "Close: check the airway first."),
        Choice("The patient who cannot breathe", 1.0, "Right."),
        Choice("The walking wounded", 0.0, ""),
    ]


def test_several_right_answers_without_weights_stay_single_as_in_moodle():
    question = one("Hand hygiene moments include:{=before touching a patient =after ~never}")
    assert question.qtype == "single"
    assert [choice.fraction for choice in question.choices] == [1.0, 1.0, 0.0]


def test_multiple_choice_with_weights_negative_weights_and_exact_thirds():
    question = one(
        """
        Which are vital signs?{
            ~%33.33333%Pulse
            ~%33.33333%Temperature
            ~%-100%Shoe size
            ~%33.33333%Blood pressure
        }
        """
    )
    assert question.qtype == "multiple"
    assert [choice.fraction for choice in question.choices] == [1 / 3, 1 / 3, -1.0, 1 / 3]


def test_true_false_short_and_long_forms():
    for answer, is_true in (("T", True), ("TRUE", True), ("F", False), ("FALSE", False)):
        question = one(f"Aspirin is an antibiotic.{{{answer}}}")
        assert question.qtype == "truefalse"
        assert question.choices == [
            Choice("true", 1.0 if is_true else 0.0),
            Choice("false", 0.0 if is_true else 1.0),
        ]


def test_true_false_feedback_goes_to_whoever_picks_that_choice():
    # Moodle: {ANSWER#shown for a wrong answer#shown for a right answer}.
    question = one("Aspirin is an antibiotic.{FALSE#It is an analgesic.#Well done.}")
    assert question.choices == [
        Choice("true", 0.0, "It is an analgesic."),
        Choice("false", 1.0, "Well done."),
    ]
    question = one("Insulin lowers blood sugar.{TRUE#No: it lowers it.#Yes.}")
    assert question.choices == [
        Choice("true", 1.0, "Yes."),
        Choice("false", 0.0, "No: it lowers it."),
    ]
    question = one("Insulin lowers blood sugar.{T##Only for right answers}")
    assert question.choices == [
        Choice("true", 1.0, "Only for right answers"),
        Choice("false", 0.0, ""),
    ]
    question = one("Insulin lowers blood sugar.{T#Only for wrong answers}")
    assert question.choices == [
        Choice("true", 1.0, ""),
        Choice("false", 0.0, "Only for wrong answers"),
    ]


def test_short_answer_several_patterns_weights_and_wildcard():
    question = one(
        """
        The antidote to paracetamol is {
            =acetylcysteine#Yes.
            =%50%NAC#Write it in full.
            =%0%*#No.
        }
        """
    )
    assert question.qtype == "shortanswer"
    assert question.text == "The antidote to paracetamol is"
    assert question.choices == [
        Choice("acetylcysteine", 1.0, "Yes."),
        Choice("NAC", 0.5, "Write it in full."),
        Choice("*", 0.0, "No."),
    ]
    assert question.case_sensitive is False


def test_short_answer_with_one_answer_and_no_equals_sign():
    question = one("How many chambers has the heart? {four}")
    assert (question.qtype, question.choices) == ("shortanswer", [Choice("four", 1.0)])


def test_numerical_forms():
    result = parse_gift(
        gift(
            """
            Normal body temperature in C? {#37}

            Normal body temperature in C? {#37:0.5}

            A normal adult pulse? {#60..100}

            Room temperature? {#-5..25}
            """
        )
    )
    assert result.errors == []
    assert [(q.qtype, q.choices) for q in result.questions] == [
        ("numerical", [Choice("", 1.0, value=37.0, tolerance=0.0)]),
        ("numerical", [Choice("", 1.0, value=37.0, tolerance=0.5)]),
        ("numerical", [Choice("", 1.0, value=80.0, tolerance=20.0)]),
        ("numerical", [Choice("", 1.0, value=10.0, tolerance=15.0)]),
    ]


def test_numerical_range_is_computed_in_decimal():
    question = one("Pi to three places? {#3.141..3.142}")
    assert (question.choices[0].value, question.choices[0].tolerance) == (3.1415, 0.0005)


def test_numerical_several_weighted_answers_and_feedback_for_any_other_answer():
    question = one(
        """
        ::Dose:: How many mg in 2 tablets of 500 mg? {#
            =1000:0#Right.
            =%50%1000:100#Close
              enough.
            ~#Count again.
        }
        """
    )
    assert question.choices == [
        Choice("", 1.0, "Right.", value=1000.0, tolerance=0.0),
        Choice("", 0.5, "Close\n      enough.", value=1000.0, tolerance=100.0),
        Choice("*", 0.0, "Count again.", value=None),
    ]


def test_matching_with_an_extra_wrong_answer():
    question = one(
        """
        Match the drug to its class. {
            =Amoxicillin -> antibiotic
            =Ibuprofen->NSAID
            =Warfarin -> anticoagulant
            = -> antiviral
        }
        """
    )
    assert question.qtype == "matching"
    assert question.pairs == [
        MatchPair("Amoxicillin", "antibiotic"),
        MatchPair("Ibuprofen", "NSAID"),
        MatchPair("Warfarin", "anticoagulant"),
        MatchPair("", "antiviral"),
    ]


def test_arrows_in_multiple_choice_answers_are_text():
    question = one("Order of a handover?{~situation -> background =situation -> assessment}")
    assert question.qtype == "single"
    assert [choice.text for choice in question.choices] == [
        "situation -> background",
        "situation -> assessment",
    ]


def test_essay_with_general_feedback():
    question = one("Describe the discharge checklist.{####Mention the medication review.}")
    assert (question.qtype, question.choices) == ("essay", [])
    assert question.general_feedback == "Mention the medication review."


def test_description_has_no_mark():
    question = one("::Intro::The next questions are about the ward round.")
    assert (question.qtype, question.name, question.default_mark) == ("description", "Intro", 0.0)
    assert question.text == "The next questions are about the ward round."


def test_general_feedback_spanning_lines_with_its_own_format():
    question = one(
        """
        What is the shockable rhythm?{
        =Ventricular fibrillation
        ~Asystole#Not shockable.
        ####[html]<p>See the ALS
        algorithm.</p>}
        """
    )
    assert question.general_feedback == "<p>See the ALS\nalgorithm.</p>"
    assert question.text_format == "moodle"
    assert question.choices[1].feedback == "Not shockable."


# Answer block position -------------------------------------------------------------------------


def test_answer_block_in_the_middle_leaves_a_blank():
    question = one("The normal adult heart rate is {=60..100 =sixty} beats per minute.")
    assert question.text == f"The normal adult heart rate is {BLANK} beats per minute."


def test_answer_block_at_the_start_leaves_a_blank():
    question = one("::Capital:: {=Paris} is the capital of France.")
    assert (question.name, question.text) == ("Capital", f"{BLANK} is the capital of France.")


def test_answer_block_before_closing_punctuation_leaves_a_blank_as_moodle_does():
    question = one("The antidote to heparin is {=protamine}.")
    assert question.text == f"The antidote to heparin is {BLANK}."


def test_answer_block_at_the_end_is_removed():
    question = one("The antidote to heparin is\n{=protamine}\n")
    assert question.text == "The antidote to heparin is"


# Text: titles, escapes, comments, formats ------------------------------------------------------


def test_escapes():
    question = one(r"::Ratio 1\:2:: a\~b c\=d e\#f \{g\} h\:i j\\k l\nm \z{}")
    assert question.name == "Ratio 1:2"
    assert question.text == "a~b c=d e#f {g} h:i j\\k l\nm \\z"


def test_escaped_backslash_before_an_escape_letter():
    question = one(r"[html]$ 1 \\neq 0 $ and C:\\path {}")
    assert question.text == r"$ 1 \neq 0 $ and C:\path"


def test_escaped_control_characters_do_not_split_answers():
    question = one(r"Which is an equation?{~a \= b\#1 =c \~ d#It\: is.}")
    assert question.choices == [Choice("a = b#1", 0.0), Choice("c ~ d", 1.0, "It: is.")]


def test_comments_are_dropped_and_may_sit_inside_a_question():
    result = parse_gift(
        gift(
            """
            // A bank about sepsis.

            // the first question
            What is the first antibiotic window?{
            // one hour is the standard
            =1 hour
            ~6 hours
            }
            // after the question
            """
        )
    )
    assert result.errors == []
    [question] = result.questions
    assert question.line == 4
    assert question.choices == [Choice("1 hour", 1.0), Choice("6 hours", 0.0)]


def test_moodle_metadata_comments_give_idnumber_and_tags():
    question = one(
        r"""
        // question: 12  name: Sepsis
        // [id:SEP-01 \] b]
        // [tag:sepsis] [tag:ICU nurses]
        // [tag:sepsis]
        Sepsis six?{}
        """
    )
    assert question.idnumber == "SEP-01 ] b"
    assert question.tags == ["sepsis", "ICU nurses"]
    assert question.line == 5


@pytest.mark.parametrize("fmt", ["html", "moodle", "markdown", "plain"])
def test_formats_and_answer_formats_are_removed(fmt):
    question = one(f"::T::[{fmt}]Pick **one**{{=[plain]a#[html]<b>yes</b> ~[markdown]b}}")
    assert question.text_format == fmt
    assert question.text == "Pick **one**"
    assert question.choices == [Choice("a", 1.0, "<b>yes</b>"), Choice("b", 0.0)]


@pytest.mark.parametrize("start", ["[ICU]", "[note]", "[a]", "[see page 2]", "[1]"])
def test_bracketed_text_that_is_not_a_format_stays_text(start):
    question = one(f"{start} Which drug?{{=[ward] Noradrenaline ~Paracetamol#[x] no}}")
    assert (question.text_format, question.text) == ("moodle", f"{start} Which drug?")
    assert question.choices == [
        Choice("[ward] Noradrenaline", 1.0),
        Choice("Paracetamol", 0.0, "[x] no"),
    ]


def test_markdown_keeps_its_lines_and_indentation():
    question = one("[markdown]Steps:  \n- wash\n    - hands\n- dry{}")
    assert question.text == "Steps:  \n- wash\n    - hands\n- dry"


def test_line_numbers_crlf_and_byte_order_mark():
    result = parse_gift("\ufeff// c\r\nQ1?{T}\r\n\r\n\r\n::Q2::\r\nQ2?{F}\r\n")
    assert [(q.line, q.name) for q in result.questions] == [(2, "Q1?"), (5, "Q2")]


# Categories ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, path",
    [
        ("$course$/top/Default for Nursing", "Default for Nursing"),
        ("$course$/top/Default/Nursing", "Default/Nursing"),
        ("$system$/top/Pharmacy/Unit 1: Doses", "Pharmacy/Unit 1: Doses"),
        ("$module$/top/A/B", "A/B"),
        ("$coursecategory$/Wards", "Wards"),
        ("$course$/top", ""),
        ("top/ICU", "ICU"),
        (" Nursing / ICU / ", "Nursing/ICU"),
        ("$course$/top/Input//Output", "Input//Output"),  # Moodle's "//" is a "/" in a name
    ],
)
def test_category_paths(raw, path):
    assert category_path(raw) == path


def test_category_lines_switch_the_category_of_the_questions_after_them():
    result = parse_gift(
        gift(
            """
            Before any category?{T}

            $CATEGORY: $course$/top/Nursing/ICU

            In ICU?{T}

            $CATEGORY: $course$/top/Pharmacy
            In pharmacy, no blank line after the category?{F}

            $CATEGORY: $course$/top/Empty
            """
        ),
        category="$course$/top/Imported",
    )
    assert result.errors == []
    # The importer's category is the base: the file's categories go under it (as in the Moodle
    # XML reader and Moodle's own import into a chosen category).
    assert [(q.category, q.line) for q in result.questions] == [
        ("Imported", 1),
        ("Imported/Nursing/ICU", 5),
        ("Imported/Pharmacy", 8),
    ]
    assert result.categories == [
        "Imported",
        "Imported/Nursing",
        "Imported/Nursing/ICU",
        "Imported/Pharmacy",
        "Imported/Empty",
    ]


def test_without_a_category_questions_have_none():
    result = parse_gift("Q?{T}")
    assert (result.questions[0].category, result.categories) == ("", [])


UNKNOWN = "unknown text format [{}]: use [html], [moodle], [markdown] or [plain]."

# Refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            "Which drug\nis it? {=a\n~b",
            2,
            "'{' is not closed: '}' expected before the end of the question "
            "(a blank line ends a question; write \\{ for a brace in text).",
        ),
        ("A stray\nbrace } here", 2, "'}' without an opening '{' (write \\} for a brace in text)."),
        ("Early } then {=a ~b}", 1, "'}' without an opening '{' (write \\} for a brace in text)."),
        ("Q {=a\n{~b}", 2, "'{' inside an answer block (write \\{ for a brace)."),
        (
            "Q {=a ~b}\nand {=c ~d}",
            2,
            "a second answer block: a GIFT question has one {...} (write \\{ for a brace in text).",
        ),
        ("::Unclosed title {T}", 1, "the title is not closed: '::' expected after '::title'."),
        ("::Title::", 1, "the question has no text."),
        ("{=a ~b}", 1, "the question has no text."),
    ],
)
def test_structure_errors(text, line, message):
    assert errors(text) == [(line, message)]


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            "Which?\n{~a ~b}",
            2,
            "no correct answer: mark it with = or give the right answers weights that add up "
            "to 100% (~%50%...).",
        ),
        (
            "Which?{\n~%50%a\n~%25%b\n~c}",
            1,
            "the positive weights must add up to 100% (they add up to 75%).",
        ),
        (
            "Which?{=%50%a ~b}",
            1,
            "one answer must be worth 100% (no answer is fully correct).",
        ),
        ("Which?{=a ~}", 1, "an empty answer after '~'."),
        (
            "Which?{~a}",
            1,
            "a multiple choice question needs at least two answers.",
        ),
        ("Which?{=a\n~}", 2, "an empty answer after '~'."),
        (
            "Which?{\nmaybe ~a =b}",
            2,
            "text before the first answer: each answer starts with = (right) or ~ (wrong).",
        ),
        (
            "Match:{\n=a -> 1\n=b -> 2\n~c}",
            1,
            "matching pairs (=question -> answer) mixed with ~ answers: a matching question has "
            "only = pairs (an extra wrong answer is written '= -> answer').",
        ),
    ],
)
def test_multiple_choice_errors(text, line, message):
    assert errors(text) == [(line, message)]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("Q?{\n~a\n=%150%b}", 3, "weight 150% is outside -100%..100%."),
        ("Q?{\n~%-101%a =b}", 2, "weight -101% is outside -100%..100%."),
        (
            "Q?{~%33%a ~%33%b ~%34%c}",
            1,
            "weight 33% is not one of the grades Moodle allows (nearest: 33.33333%).",
        ),
        ("Q?{~%5,5%a =b}", 1, "weight %5,5% is not a number (write e.g. %50% or %33.33333%)."),
        ("Q?{=a =%-50%b}", 1, "weight -50%: only multiple-choice answers can be negative."),
    ],
)
def test_weight_errors(text, line, message):
    assert errors(text) == [(line, message)]


@pytest.mark.parametrize("answer", ["true", "t", "False", "f"])
def test_true_false_in_the_wrong_case_is_refused(answer):
    assert errors(f"Q?\n{{{answer}#feedback}}") == [
        (
            2,
            f"true/false is written T, TRUE, F or FALSE in capitals, not '{answer}' "
            f"(write {{={answer}}} for a short answer).",
        )
    ]


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("Year?{#\n=1822\n=%50%about 1820}", 3, "numerical answer 'about 1820' is not a number."),
        ("Year?{#twelve}", 1, "numerical answer 'twelve' is not a number."),
        ("Year?{#12:x}", 1, "numerical answer 'x' is not a number."),
        ("Year?{#3,5}", 1, "numerical answer '3,5' is not a number."),
        ("Year?{#5..1}", 1, "range 5..1: the lower bound is above the upper one."),
        ("Year?{#5:-1}", 1, "numerical answer '5:-1': the tolerance is negative."),
        ("Year?{#}", 1, "a numerical question needs an answer ({#number})."),
        ("Year?{#=%50%5}", 1, "one answer must be worth 100% (no answer is fully correct)."),
        (
            "Year?{#5\n~wrong}",
            2,
            "in a numerical question '~' starts the feedback for any other answer: write "
            "~#feedback.",
        ),
    ],
)
def test_numerical_errors(text, line, message):
    assert errors(text) == [(line, message)]


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            "Match:{=a -> 1 = -> 2 = -> 3}",
            1,
            "a matching question needs at least two sub-questions and three answers (add an "
            "extra wrong answer with '= -> answer').",
        ),
        (
            "Match:{=a -> 1 =b -> 2}",
            1,
            "a matching question needs at least two sub-questions and three answers (add an "
            "extra wrong answer with '= -> answer').",
        ),
        (
            "Match:{\n=a -> 1\n=b\n=c -> 3}",
            3,
            "matching answer 'b' has no '->': write =question -> answer.",
        ),
        ("Match:{=a -> 1 =b -> =c -> 3}", 1, "a matching pair needs an answer after '->'."),
    ],
)
def test_matching_errors(text, line, message):
    assert errors(text) == [(line, message)]


@pytest.mark.parametrize(
    "text, line, message",
    [
        (
            "[htm]Q?{T}",
            1,
            "unknown text format [htm]: use [html], [moodle], [markdown] or [plain].",
        ),
        (
            "[HTML]Q?{T}",
            1,
            "unknown text format [HTML]: use [html], [moodle], [markdown] or [plain].",
        ),
        (
            "Q?{\n=a\n~[text]b}",
            3,
            "unknown text format [text]: use [html], [moodle], [markdown] or [plain].",
        ),
        (
            "Q?{=a#[txt]fine ~b}",
            1,
            "unknown text format [txt]: use [html], [moodle], [markdown] or [plain].",
        ),
        ("[markdwon]Q?{T}", 1, UNKNOWN.format("markdwon")),
        ("[plain_text]Q?{T}", 1, UNKNOWN.format("plain_text")),
        ("Q?{T####[Moodle]gf}", 1, UNKNOWN.format("Moodle")),
    ],
)
def test_unknown_format_errors(text, line, message):
    assert errors(text) == [(line, message)]


def test_every_bad_question_is_reported_and_the_good_ones_are_read():
    result = parse_gift(
        gift(
            """
            // three bad questions between good ones
            Good one?{T}

            Bad: no right answer{~a ~b}

            ::Good two::Which?{=a ~b}

            Bad: unclosed {=a ~b

            Bad:
            {#abc}
            """
        )
    )
    assert [q.name for q in result.questions] == ["Good one?", "Good two"]
    assert [error.line for error in result.errors] == [4, 8, 11]
    summary = result.summary()
    assert (summary["questions"], summary["by_type"]) == (2, {"truefalse": 1, "single": 1})
    assert summary["errors"][2] == {
        "line": 11,
        "message": "numerical answer 'abc' is not a number.",
    }
    assert result.ok is False


# Writing ---------------------------------------------------------------------------------------


def bank() -> list[ParsedQuestion]:
    tricky = "a ~ b = c # d { e } f : g \\ h\\n i\n\n// j\n$CATEGORY: k ####"
    return [
        ParsedQuestion(
            qtype="single",
            text=f"Which one? {tricky}",
            name="Name: with {braces}",
            choices=[Choice("[x] first", 0.0, "[y] feedback"), Choice("%5% off", 1.0, "ok")],
            general_feedback="[see] the guide",
            idnumber="ID ] 1",
            tags=["tag one", "two]"],
        ),
        ParsedQuestion(
            qtype="multiple",
            text="Pick two",
            name="Pick two",
            text_format="html",
            choices=[Choice("<b>a</b>", 1 / 3), Choice("b", 2 / 3), Choice("c", -1.0)],
            category="Nursing/ICU",
        ),
        ParsedQuestion(
            qtype="truefalse",
            text="True?",
            name="True?",
            choices=[Choice("true", 1.0, "right #1"), Choice("false", 0.0, "")],
            category="Nursing/ICU",
        ),
        ParsedQuestion(
            qtype="truefalse",
            text="False?",
            name="False?",
            choices=[Choice("true", 0.0, ""), Choice("false", 1.0, "")],
            general_feedback="gf",
        ),
        ParsedQuestion(
            qtype="shortanswer",
            text=f"Fill {BLANK} in",
            name="Fill",
            text_format="markdown",
            choices=[Choice("TRUE", 1.0), Choice("%x", 0.5, "half"), Choice("*", 0.0, "no")],
        ),
        ParsedQuestion(
            qtype="numerical",
            text="How much?",
            name="How much?",
            choices=[
                Choice("", 1.0, "exact", value=3.1415, tolerance=0.0005),
                Choice("*", 0.0, "placeholder in the middle", value=None),
                Choice("", 0.5, value=-1e-07, tolerance=0.0),
                Choice("*", 0.0, "anything else", value=None),
            ],
        ),
        ParsedQuestion(
            qtype="matching",
            text="Match",
            name="Match",
            text_format="plain",
            pairs=[
                MatchPair("[a] one", "1 -> x"),
                MatchPair("b = two", "#2"),
                MatchPair("", "three"),
            ],
        ),
        ParsedQuestion(
            qtype="essay", text="Essay? ends with \\", name="Essay", general_feedback="#1"
        ),
        ParsedQuestion(qtype="description", text="Just text", name="Intro", default_mark=0.0),
    ]


def test_written_questions_read_back_the_same():
    questions = bank()
    written = write_gift(questions)
    result = parse_gift(written)
    assert result.errors == []
    assert [replace(q, line=None) for q in result.questions] == questions
    assert result.categories == ["Nursing", "Nursing/ICU"]


def test_written_file_switches_categories_and_escapes_control_characters():
    written = write_gift(bank())
    assert written.count("$CATEGORY:") == 2
    assert "\n$CATEGORY: $course$/top/Nursing/ICU\n\n" in written
    assert "\n$CATEGORY: $course$/top\n\n" in written
    assert "\n\n\n" not in written  # a blank line inside a text would end the question
    assert "// [id:ID \\] 1]\n// [tag:tag one] [tag:two\\]]\n" in written
    assert written.startswith("// [id:")


def test_written_true_false_puts_the_wrong_answer_feedback_first():
    question = ParsedQuestion(
        qtype="truefalse",
        text="Q",
        name="Q",
        choices=[Choice("true", 1.0, "for true"), Choice("false", 0.0, "for false")],
    )
    assert write_gift([question]) == "::Q::[moodle]Q{TRUE#for false#for true}\n"


def test_written_multiple_choice_looks_like_moodles_export():
    question = ParsedQuestion(
        qtype="single",
        text="Grant is _____ in Grant's tomb.",
        name="Grant",
        choices=[Choice("buried", 0.0, "No."), Choice("entombed", 1.0), Choice("living", 0.5)],
    )
    assert write_gift([question]) == (
        "::Grant::[moodle]Grant is _____ in Grant's tomb.{\n"
        "    ~buried#No.\n"
        "    =entombed\n"
        "    ~%50%living\n"
        "}\n"
    )


def test_a_lone_short_answer_with_an_arrow_is_written_without_equals_sign():
    question = ParsedQuestion(
        qtype="shortanswer", text="Menu path?", name="Path", choices=[Choice("File -> Print", 1.0)]
    )
    written = write_gift([question])
    assert written == "::Path::[moodle]Menu path?{File -> Print}\n"
    assert [replace(q, line=None) for q in parse_gift(written).questions] == [question]


def test_nothing_to_write():
    assert write_gift([]) == ""
