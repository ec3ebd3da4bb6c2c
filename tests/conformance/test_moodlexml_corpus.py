"""Every Moodle XML file of the third-party corpus (../shared/corpus/moodlexml, Moodle's own
import/export fixtures; see its README) against what Readyline must make of it: the questions
in full (type, text, format, answers with fractions and feedback, category, position), the
categories with their descriptions, the unsupported questions by type, name and position, and
the refusals with their message. A change in behaviour on any fixture fails here.

The corpus is read where it lies and never copied into this repository; without it (a checkout
without ../shared) these tests skip."""

from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from assessments.formats.ir import Choice, ParsedQuestion
from assessments.formats.moodlexml import CategoryInfo, parse_moodlexml, write_moodlexml
from tests.conformance.corpus import corpus_dir, corpus_required
from tests.conformance.corpus import corpus_file as corpus_file_of

CORPUS = corpus_dir("moodlexml")


def corpus_file(name: str) -> Path:
    return corpus_file_of("moodlexml", name)


@dataclass
class Expect:
    questions: list[ParsedQuestion] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    category_info: dict[str, CategoryInfo] = field(default_factory=dict)
    unsupported: list[tuple[str, str, int]] = field(default_factory=list)  # type, name, position
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # position, message


def truefalse(name, category, position, *, true=1.0, feedback=("", ""), general="", idnumber=""):
    return ParsedQuestion(
        qtype="truefalse",
        name=name,
        text=f"<p>Testing {name}</p>",
        text_format="html",
        general_feedback=general,
        choices=[Choice("true", true, feedback[0]), Choice("false", 1.0 - true, feedback[1])],
        category=category,
        idnumber=idnumber,
        position=position,
    )


def essay(name, category, position):
    return ParsedQuestion(
        qtype="essay",
        name=name,
        text=f"Testing {name}",
        text_format="moodle",
        category=category,
        position=position,
    )


def info(text, fmt, idnumber=""):
    return CategoryInfo(info=text, info_format=fmt, idnumber=idnumber)


ALPHA = info("This is Alpha category for test", "moodle", "alpha-idnumber")
IMG = '<img src="@@PLUGINFILE@@/{}" alt="{}" width="{}" height="{}" />'
LOGO = IMG.format("logo.jpg", "Moodle logo", 48, 48)
INFOS = IMG.format("infos.jpg", "Informations", 34, 49)
DOCS = '<a title="Moodle Docs - About Moodle" href="http://docs.moodle.org/en/About_Moodle">'
ACRONYM = 'is an acronym for <span style="font-style: italic;">Modular Object-Oriented Dynamic'
NBSP = "\xa0"
SORRY = "<p>Sorry, listen again.</p>"
CLOZE = "cloze"

EXPECTED = {
    # Five cloze questions, each broken in its own way: cloze is not a Readyline type, so all
    # five are reported (never imported, never dropped silently).
    "broken_cloze_questions.xml": Expect(
        unsupported=[
            (CLOZE, "Multianswer question without subquestions", 1),
            (CLOZE, "Multichoice subquestion without choices", 2),
            (CLOZE, "Multichoice subquestion with only one choice", 3),
            (CLOZE, "Multichoice subquestion with no completely correct answer", 4),
            (CLOZE, "Numerical subquestion with buggy answer", 5),
        ],
    ),
    "categories_reverse_order.xml": Expect(
        questions=[
            essay("Tau Question", "Sigma/Tau", 2),
            ParsedQuestion(
                qtype="shortanswer",
                name="Sigma Question",
                text="Testing Sigma Question",
                text_format="moodle",
                choices=[Choice("yes", 1.0), Choice("no", 0.0), Choice("may be", 0.0)],
                case_sensitive=False,
                category="Sigma",
                position=4,
            ),
        ],
        categories=["Sigma", "Sigma/Tau"],  # the parent first, though the file names it last
        category_info={
            "Sigma/Tau": info("This is Tau category for test", "html"),
            "Sigma": info("This is Sigma category for test", "html"),
        },
    ),
    "category_with_description.xml": Expect(
        questions=[truefalse("Alpha Question", "Alpha", 2)],
        categories=["Alpha"],
        category_info={"Alpha": ALPHA},
    ),
    "deprecated_category.xml": Expect(
        questions=[truefalse("Alpha Question", "Alpha", 2)],
        categories=["Alpha"],
        category_info={"Alpha": ALPHA},
    ),
    # "33" is not in Moodle's grade list (33.33333 is): the question is refused at its
    # position, with one message (no knock-on complaint about the sum of the grades).
    "error_invalid_grades.xml": Expect(
        errors=[
            (
                1,
                'Question "Question with <strong>invalid grades</strong> : x > 1 & x < 2" '
                "(multichoice): answer 2: grade 33% is not one of the grades Moodle allows "
                "(nearest: 33.33333%).",
            )
        ],
    ),
    "export_category.xml": Expect(
        questions=[truefalse("Alpha Question", "Alpha", 2)],
        categories=["Alpha"],
        category_info={"Alpha": ALPHA},
    ),
    "html_chars_in_idnumbers.xml": Expect(
        questions=[truefalse("Alpha Question", "Alpha", 2, idnumber="T & F")],
        categories=["Alpha"],
        category_info={
            "Alpha": info("This is Alpha category for test", "moodle", "The inequalities < & >")
        },
    ),
    "multianswer.xml": Expect(
        categories=["Default for Test images in backup"],
        unsupported=[(CLOZE, "cloze with images", 2)],
    ),
    "multichoice.xml": Expect(
        questions=[
            ParsedQuestion(
                qtype="single",
                name="Greeting",
                text=(
                    '<p><a href="@@PLUGINFILE@@/bonjour.mp3">Listen to this greeting:</a>'
                    "<br /><br />What language is being spoken?</p>"
                ),
                text_format="html",
                choices=[
                    Choice(
                        f"<p>{IMG.format('flag-uk.jpg', 'British Flag', 30, 20)} English</p>",
                        0.0,
                        SORRY,
                    ),
                    Choice(
                        f"<p>{IMG.format('flag-france.jpg', 'French flag', 30, 20)} French</p>",
                        1.0,
                        "<p>Yes, well done!</p>",
                    ),
                    Choice(
                        f"<p>{IMG.format('flag-german.jpg', 'German flag', 30, 20)} German</p>",
                        0.0,
                        SORRY,
                    ),
                    Choice(
                        f"<p>{IMG.format('flag-denmark.jpg', 'Denmark flag', 30, 20)} Danish</p>",
                        0.0,
                        SORRY,
                    ),
                ],
                shuffle=True,
                category="Default for testhead/Multichoice",
                position=2,
            )
        ],
        categories=["Default for testhead", "Default for testhead/Multichoice"],
    ),
    "nested_categories.xml": Expect(
        questions=[truefalse("Zeta Question", "Delta/Epsilon/Zeta", 4)],
        categories=["Delta", "Delta/Epsilon", "Delta/Epsilon/Zeta"],
        category_info={
            "Delta": info("This is Delta category for test", "plain"),
            "Delta/Epsilon": info("This is Epsilon category for test", "markdown"),
            "Delta/Epsilon/Zeta": info("This is Zeta category for test", "moodle"),
        },
    ),
    "nested_categories_with_questions.xml": Expect(
        questions=[
            truefalse("Iota Question", "Iota", 2),
            essay("Kappa Essay Question", "Iota/Kappa", 4),
            truefalse("Kappa Question", "Iota/Kappa", 5),
            truefalse("Lambda Question", "Iota/Kappa/Lambda", 7),
            truefalse("Mu Question", "Iota/Mu", 9),
        ],
        categories=["Iota", "Iota/Kappa", "Iota/Kappa/Lambda", "Iota/Mu"],
        category_info={
            "Iota": info("This is Iota category for test", "plain"),
            "Iota/Kappa": info("This is Kappa category for test", "markdown"),
            "Iota/Kappa/Lambda": info("This is Lambda category for test", "moodle"),
            "Iota/Mu": info("This is Mu category for test", "moodle"),
        },
    ),
    # Categories without <info> or <idnumber>: no description recorded.
    "old_format_file.xml": Expect(
        questions=[truefalse("Pi Question", "Pi", 2), truefalse("Rho Question", "Pi/Rho", 4)],
        categories=["Pi", "Pi/Rho"],
    ),
    # Moodle 1.9 <image>/<image_base64> are not imported; answers padded with newlines are
    # trimmed; the first of two <shuffleanswers> counts; no format attribute means html.
    "sample_questions_with_old_image_tag.xml": Expect(
        questions=[
            ParsedQuestion(
                qtype="single",
                name="mcq with image",
                text=(
                    "This is a multichoice question with an image in the old &quot;image&quot;"
                    " field that was used in Moodle 1.9"
                ),
                text_format="html",
                choices=[
                    Choice("wrong answer", 0.0),
                    Choice("another wrong answer", 0.0),
                    Choice("right answer", 1.0),
                ],
                shuffle=True,
                category="Default for Test images in backup",
                position=3,
            )
        ],
        categories=["Default for Test images in backup"],
        unsupported=[(CLOZE, "cloze question with image", 2)],
    ),
    # Non-breaking spaces inside the HTML are kept (only PHP's trim characters are trimmed).
    "truefalse.xml": Expect(
        questions=[
            replace(
                truefalse(
                    "Moodle acronym (False)",
                    "Default for testhead/TrueFalse",
                    2,
                    true=0.0,
                    feedback=(
                        f"<p>{IMG.format('thumbdown.jpg', 'Thumb down', 24, 24)}"
                        " Your answer is incorrect.</p>",
                        f"<p>{IMG.format('thumbup.jpg', 'Thumb up', 24, 24)}"
                        " Your answer is correct.</p>",
                    ),
                    general=(
                        f"<p>{INFOS}For further information, see the {DOCS}"
                        "documentation about Moodle</a>.</p>"
                    ),
                ),
                text=f"<p>Moodle{NBSP}{LOGO} {ACRONYM} Learning Education</span>.</p>",
            ),
            replace(
                truefalse(
                    "Moodle acronym (True)",
                    "Default for testhead/TrueFalse",
                    3,
                    feedback=(
                        f"<p>{IMG.format('thumbup.jpg', 'thumb up', 24, 24)}"
                        f" Your{NBSP}answer{NBSP}is{NBSP}correct.</p>",
                        f"<p>{IMG.format('thumbdown.jpg', 'thumb down', 24, 24)}"
                        f"{NBSP}Your{NBSP}answer{NBSP}is incorrect.</p>",
                    ),
                    general=(
                        f"<p>{INFOS}For further information, see the {DOCS}"
                        "documentation about Moodle</a></p>\n<p>.</p>"
                    ),
                ),
                text=f"<p>Moodle{NBSP}{LOGO} {ACRONYM} Learning Environment</span>.</p>",
            ),
        ],
        categories=["Default for testhead", "Default for testhead/TrueFalse"],
    ),
}


def test_every_corpus_file_has_an_expectation():
    corpus_required("moodlexml")
    assert sorted(path.name for path in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    expect = EXPECTED[name]
    result = parse_moodlexml(corpus_file(name).read_bytes())

    assert [(error.position, error.message) for error in result.errors] == expect.errors
    assert [(u.qtype, u.name, u.position) for u in result.unsupported] == expect.unsupported
    assert result.questions == expect.questions
    assert result.categories == expect.categories
    assert result.category_info == expect.category_info
    assert result.ok == (not expect.errors)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_survives_a_round_trip(name):
    """What Readyline reads from a fixture, written back as Moodle XML, reads back the same."""
    first = parse_moodlexml(corpus_file(name).read_bytes())
    again = parse_moodlexml(write_moodlexml(first.questions, categories=first.category_info))

    assert again.errors == [] and again.unsupported == []
    assert [replace(q, position=None) for q in again.questions] == [
        replace(q, position=None) for q in first.questions
    ]
    assert again.category_info == first.category_info


def test_summary_of_a_fixture_is_the_dry_run_report():
    result = parse_moodlexml(corpus_file("sample_questions_with_old_image_tag.xml").read_bytes())

    assert result.summary() == {
        "questions": 1,
        "by_type": {"single": 1},
        "categories": ["Default for Test images in backup"],
        "errors": [],
        "unsupported": [{"type": "cloze", "name": "cloze question with image", "position": 2}],
    }


def test_a_base_category_puts_the_files_categories_under_it():
    result = parse_moodlexml(
        corpus_file("categories_reverse_order.xml").read_bytes(), category="Imports/2025"
    )

    assert result.categories == [
        "Imports",
        "Imports/2025",
        "Imports/2025/Sigma",
        "Imports/2025/Sigma/Tau",
    ]
    assert [q.category for q in result.questions] == [
        "Imports/2025/Sigma/Tau",
        "Imports/2025/Sigma",
    ]
