"""The Moodle XML reader and writer on small samples written for these tests: each question
type, each refusal, unsafe XML, and write -> read round trips."""

from dataclasses import replace

import pytest

from assessments.formats.ir import Choice, MatchPair, ParsedQuestion
from assessments.formats.moodlexml import (
    CategoryInfo,
    category_path,
    parse_moodlexml,
    write_moodlexml,
)


def quiz(*questions: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>"
    ).encode()


def question(qtype: str, body: str = "", *, name="Q", text="What?", fmt="html") -> str:
    return (
        f'<question type="{qtype}"><name><text>{name}</text></name>'
        f'<questiontext format="{fmt}"><text>{text}</text></questiontext>{body}</question>'
    )


def answer(fraction, text, feedback="", extra="") -> str:
    return (
        f'<answer fraction="{fraction}"><text>{text}</text>'
        f"<feedback><text>{feedback}</text></feedback>{extra}</answer>"
    )


def category(path: str, extra: str = "") -> str:
    return f'<question type="category"><category><text>{path}</text></category>{extra}</question>'


def only(data: bytes, **kwargs) -> ParsedQuestion:
    result = parse_moodlexml(data, **kwargs)
    assert result.errors == [] and result.unsupported == []
    assert len(result.questions) == 1
    return result.questions[0]


def messages(data: bytes) -> list[tuple[int | None, str]]:
    result = parse_moodlexml(data)
    assert result.questions == []
    return [(error.position, error.message) for error in result.errors]


# Question types --------------------------------------------------------------------------------


def test_multichoice_single_answer_with_feedback_and_metadata():
    body = (
        "<generalfeedback><text>Because.</text></generalfeedback>"
        "<defaultgrade>2.5000000</defaultgrade><idnumber>MC-1</idnumber>"
        "<single>true</single><shuffleanswers>1</shuffleanswers>"
        "<answernumbering>123</answernumbering>"
        + answer(100, "Paris", "Right")
        + answer(-50, "Lyon", "No")
        + answer(0, "Nice")
        + "<tags><tag><text>geo</text></tag><tag><text>easy</text></tag></tags>"
    )
    q = only(
        quiz(question("multichoice", body, name="Capital", text="<![CDATA[<p>Capital?</p>]]>"))
    )

    assert q == ParsedQuestion(
        qtype="single",
        text="<p>Capital?</p>",
        name="Capital",
        text_format="html",
        general_feedback="Because.",
        choices=[Choice("Paris", 1.0, "Right"), Choice("Lyon", -0.5, "No"), Choice("Nice", 0.0)],
        shuffle=True,
        default_mark=2.5,
        idnumber="MC-1",
        tags=["geo", "easy"],
        position=1,
    )


def test_multichoice_multiple_answers_store_exact_fractions():
    body = (
        "<single>false</single><shuffleanswers>false</shuffleanswers>"
        + answer("33.33333", "2")
        + answer("33.333", "3")
        + answer("33.33333", "5")
        + answer(-100, "4")
    )
    q = only(quiz(question("multichoice", body)))

    assert q.qtype == "multiple"
    assert q.shuffle is False
    assert [c.fraction for c in q.choices] == [1 / 3, 1 / 3, 1 / 3, -1.0]


def test_multichoice_defaults_follow_moodle():
    # No <single>: single answer; no <shuffleanswers>: not shuffled; no <defaultgrade>: 1.
    q = only(quiz(question("multichoice", answer(100, "a") + answer(0, "b"))))

    assert (q.qtype, q.shuffle, q.default_mark) == ("single", False, 1.0)


def test_multichoice_skips_an_empty_answer_without_grade():
    q = only(quiz(question("multichoice", answer(100, "a") + answer(0, "") + answer(0, "b"))))

    assert [c.text for c in q.choices] == ["a", "b"]


def test_truefalse_is_true_then_false_whatever_the_file_order():
    body = answer(100, "false", "Yes, false") + answer(0, "true", "No")
    q = only(quiz(question("truefalse", body)))

    assert q.qtype == "truefalse"
    assert q.choices == [Choice("true", 0.0, "No"), Choice("false", 1.0, "Yes, false")]


def test_truefalse_old_export_with_localised_answers_is_read_true_first():
    q = only(quiz(question("truefalse", answer(0, "Vrai") + answer(100, "Faux"))))

    assert q.choices == [Choice("true", 0.0), Choice("false", 1.0)]


def test_shortanswer_case_and_wildcard():
    body = "<usecase>1</usecase>" + answer(100, "Hammarskjöld") + answer(50, "Hammar*", "Close")
    q = only(quiz(question("shortanswer", body)))

    assert q.qtype == "shortanswer"
    assert q.case_sensitive is True
    assert q.choices == [Choice("Hammarskjöld", 1.0), Choice("Hammar*", 0.5, "Close")]


def test_shortanswer_is_case_insensitive_by_default():
    assert only(quiz(question("shortanswer", answer(100, "x")))).case_sensitive is False


def test_numerical_values_tolerances_and_catch_all():
    body = (
        answer(100, "3.14", "Good", "<tolerance>0.01</tolerance>")
        + answer(50, "3", "Rough", "<tolerance>0.5</tolerance>")
        + answer(0, "*", "Any other answer")
    )
    q = only(quiz(question("numerical", body, text="Pi?")))

    assert q.qtype == "numerical"
    assert q.choices == [
        Choice("3.14", 1.0, "Good", value=3.14, tolerance=0.01),
        Choice("3", 0.5, "Rough", value=3.0, tolerance=0.5),
        Choice("*", 0.0, "Any other answer", value=None, tolerance=0.0),
    ]


def test_matching_pairs_and_distractor():
    subs = "".join(
        f'<subquestion format="html"><text>{q}</text>'
        f"<answer><text>{a}</text></answer></subquestion>"
        for q, a in [("Cat", "Meow"), ("Dog", "Woof"), ("", "Moo"), ("", "")]
    )
    q = only(quiz(question("matching", subs)))

    assert q.qtype == "matching"
    assert q.shuffle is True  # Moodle's default for matching
    assert q.pairs == [MatchPair("Cat", "Meow"), MatchPair("Dog", "Woof"), MatchPair("", "Moo")]


def test_match_is_an_alias_of_matching():
    subs = "".join(
        f"<subquestion><text>{q}</text><answer><text>{a}</text></answer></subquestion>"
        for q, a in [("a", "1"), ("b", "2"), ("c", "3")]
    )
    q = only(quiz(question("match", "<shuffleanswers>false</shuffleanswers>" + subs)))

    assert (q.qtype, q.shuffle, len(q.pairs)) == ("matching", False, 3)


def test_essay_and_description():
    result = parse_moodlexml(
        quiz(
            question(
                "essay", "<responseformat>editor</responseformat><defaultgrade>5</defaultgrade>"
            ),
            question("description", "<defaultgrade>1</defaultgrade>", text="Read this."),
        )
    )

    essay, description = result.questions
    assert (essay.qtype, essay.default_mark, essay.choices) == ("essay", 5.0, [])
    assert (description.qtype, description.default_mark) == ("description", 0.0)
    assert description.text == "Read this."


@pytest.mark.parametrize(
    "moodle, ours",
    [
        ("html", "html"),
        ("moodle_auto_format", "moodle"),
        ("plain_text", "plain"),
        ("markdown", "markdown"),
        ("wiki_like", "markdown"),
        ("something_else", "html"),
    ],
)
def test_text_formats(moodle, ours):
    assert only(quiz(question("essay", fmt=moodle))).text_format == ours


def test_missing_format_means_html_and_texts_are_trimmed_like_php():
    data = quiz(
        '<question type="essay"><name><text>\n  N  \n</text></name>'
        "<questiontext><text>\n\xa0Text\xa0\n\t</text></questiontext></question>"
    )
    q = only(data)

    assert (q.name, q.text, q.text_format) == ("N", "\xa0Text\xa0", "html")


def test_html_in_cdata_and_escaped_entities():
    q = only(
        quiz(
            question(
                "essay",
                "<idnumber>A &amp; B</idnumber>",
                text="<![CDATA[<p>x < y & z</p>]]>",
                name="a &lt; b",
            )
        )
    )

    assert (q.text, q.name, q.idnumber) == ("<p>x < y & z</p>", "a < b", "A & B")


def test_embedded_files_are_not_imported_but_the_text_is_kept():
    body = '<file name="a.png" encoding="base64">iVBORw0KGgo=</file>'
    data = quiz(
        '<question type="essay"><name><text>F</text></name><questiontext format="html">'
        '<text><![CDATA[<img src="@@PLUGINFILE@@/a.png">]]></text>' + body + "</questiontext>"
        "<image>old.png</image><image_base64>iVBORw0KGgo=</image_base64></question>"
    )

    assert only(data).text == '<img src="@@PLUGINFILE@@/a.png">'


def test_an_empty_name_is_made_from_the_text():
    q = only(
        quiz(question("essay", name="", text="<![CDATA[<p>Describe   the <b>triage</b></p>]]>"))
    )

    assert q.name == "Describe the triage"


def test_course_tags_are_merged_into_tags():
    body = (
        "<tags><tag><text>a</text></tag></tags>"
        "<coursetags><tag><text>b</text></tag><tag><text>a</text></tag></coursetags>"
    )

    assert only(quiz(question("essay", body))).tags == ["a", "b"]


# Categories --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, path",
    [
        ("$course$/top/Nursing/Drugs", "Nursing/Drugs"),
        ("$course$/Nursing", "Nursing"),
        ("$system$/top/A", "A"),
        ("$module$/A/B", "A/B"),
        ("$cat1$/A", "A"),
        ("$cat$/A", "A"),
        ("top/A", "A"),
        ("A / B ", "A/B"),
        ("$course$/top", ""),
        ("$course$", ""),
        ("$course$/A//B/C", "A//B/C"),  # "//" is a slash inside the name "A/B"
        ("$course$/top/top", "top"),
    ],
)
def test_category_path(raw, path):
    assert category_path(raw) == path


def test_categories_switch_and_parents_are_listed_first():
    data = quiz(
        question("essay", name="Root"),
        category("$course$/top/Sigma/Tau", '<info format="html"><text>Tau info</text></info>'),
        question("essay", name="InTau"),
        category("$course$/Sigma", "<info><text>S</text></info><idnumber>s-1</idnumber>"),
        question("essay", name="InSigma"),
        category("$course$/top"),
        question("essay", name="BackToRoot"),
    )
    result = parse_moodlexml(data)

    assert result.errors == []
    assert [(q.name, q.category, q.position) for q in result.questions] == [
        ("Root", "", 1),
        ("InTau", "Sigma/Tau", 3),
        ("InSigma", "Sigma", 5),
        ("BackToRoot", "", 7),
    ]
    assert result.categories == ["Sigma", "Sigma/Tau"]
    assert result.category_info == {
        "Sigma/Tau": CategoryInfo("Tau info", "html", ""),
        "Sigma": CategoryInfo("S", "html", "s-1"),  # <info> without format: html, as Moodle
    }


def test_old_category_form_without_text_element():
    data = quiz(
        "<question type='category'><category>$course$/Old/Form</category></question>",
        question("essay"),
    )

    assert only(data).category == "Old/Form"


def test_base_category_argument():
    data = quiz(question("essay", name="Before"), category("$course$/top/Sub"), question("essay"))
    result = parse_moodlexml(data, category="$course$/top/Imported")

    assert [q.category for q in result.questions] == ["Imported", "Imported/Sub"]
    assert result.categories == ["Imported", "Imported/Sub"]


# Unsupported types -----------------------------------------------------------------------------


def test_unsupported_types_are_reported_by_type_name_and_position():
    data = quiz(
        category("$course$/top/X"),
        question("cloze", name="Cloze one", text="{1:SHORTANSWER:=a}"),
        question("essay", name="Fine"),
        question("calculated", name="Calc"),
        question("ddwtos", name="Drag"),
        '<question type="random"><name><text>Rnd</text></name></question>',
        question("ordering", name="Order"),
    )
    result = parse_moodlexml(data)

    assert result.errors == []
    assert [q.name for q in result.questions] == ["Fine"]
    assert [item.as_dict() for item in result.unsupported] == [
        {"type": "cloze", "name": "Cloze one", "position": 2},
        {"type": "calculated", "name": "Calc", "position": 4},
        {"type": "ddwtos", "name": "Drag", "position": 5},
        {"type": "random", "name": "Rnd", "position": 6},
        {"type": "ordering", "name": "Order", "position": 7},
    ]


# Errors ----------------------------------------------------------------------------------------


def test_malformed_xml_names_the_line_and_the_question():
    data = (
        b'<quiz>\n<question type="essay">\n<name><text>a</text></name>\n'
        b"<questiontext><text>x</questiontext>\n</question>\n</quiz>"
    )

    assert messages(data) == [
        (1, "The file is not well-formed XML: mismatched tag: line 4, column 23")
    ]


def test_malformed_xml_outside_a_question_has_no_position():
    result = parse_moodlexml(b"<quiz>\n</quizz>")

    assert [(e.position, e.message) for e in result.errors] == [
        (None, "The file is not well-formed XML: mismatched tag: line 2, column 2")
    ]
    assert result.errors[0].as_dict() == {
        "position": None,
        "message": "The file is not well-formed XML: mismatched tag: line 2, column 2",
    }


def test_empty_file():
    assert messages(b"") == [
        (None, "The file is not well-formed XML: no element found: line 1, column 0")
    ]


def test_root_must_be_quiz():
    assert messages(b"<questions><question type='essay'/></questions>") == [
        (None, "The root element is <questions>; a Moodle XML file starts with <quiz>.")
    ]


@pytest.mark.parametrize(
    "xml, where",
    [
        # External entity (XXE): would read a local file.
        (
            '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            "<quiz><question type='essay'><name><text>&xxe;</text></name></question></quiz>",
            2,
        ),
        # Billion laughs: exponential entity expansion.
        (
            '<?xml version="1.0"?>\n\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            "<quiz>&lol3;</quiz>",
            3,
        ),
        # An external DTD, even without entities.
        ('<!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd"><quiz/>', 1),
    ],
)
def test_dtds_and_entities_are_refused(xml, where):
    result = parse_moodlexml(xml.encode())

    assert result.questions == []
    assert [(e.position, e.message) for e in result.errors] == [
        (
            None,
            f"The file contains a document type declaration (<!DOCTYPE>) at line {where}: "
            "DTDs and entity declarations are refused for safety.",
        )
    ]


def test_an_undeclared_entity_is_a_syntax_error():
    assert messages(b"<quiz>&foo;</quiz>") == [
        (None, "The file is not well-formed XML: undefined entity: line 1, column 6")
    ]


MC = '"M" (multichoice): '


@pytest.mark.parametrize(
    "body, message",
    [
        (
            answer(33, "a") + answer(0, "b"),
            "answer 1: grade 33% is not one of the grades Moodle allows (nearest: 33.33333%).",
        ),
        (
            answer("33.33", "a") + answer(0, "b"),
            "answer 1: grade 33.33% is not one of the grades Moodle allows (nearest: 33.33333%).",
        ),
        (answer("lots", "a") + answer(100, "b"), 'answer 1: grade "lots" is not a number.'),
        (
            answer(101, "a") + answer(0, "b"),
            "answer 1: grade 101% is not one of the grades Moodle allows (nearest: 100%).",
        ),
        (
            answer(50, "a") + answer(0, "b"),
            "one answer must be worth 100% (no answer is fully correct).",
        ),
        (answer(100, "a"), "a multiple choice question needs at least two answers."),
        (answer(100, "a") + answer(50, ""), "answer 2 has a grade but no text."),
        (
            "<single>false</single>" + answer(50, "a") + answer(25, "b") + answer(-100, "c"),
            "the positive grades must add up to 100% (they add up to 75%).",
        ),
        (
            "<single>false</single>" + answer(0, "a") + answer(0, "b"),
            "the positive grades must add up to 100% (they add up to 0%).",
        ),
        (
            "<defaultgrade>-1</defaultgrade>" + answer(100, "a") + answer(0, "b"),
            'default grade "-1" must be a number of 0 or more.',
        ),
        (
            "<defaultgrade>one</defaultgrade>" + answer(100, "a") + answer(0, "b"),
            'default grade "one" is not a number.',
        ),
    ],
)
def test_multichoice_refusals(body, message):
    data = quiz(question("multichoice", body, name="M"))

    assert messages(data) == [(1, f"Question {MC}{message}")]


@pytest.mark.parametrize(
    "qtype, body, message",
    [
        (
            "shortanswer",
            answer(50, "a"),
            "one answer must be worth 100% (no answer is fully correct).",
        ),
        ("shortanswer", "", "it has no answer."),
        (
            "shortanswer",
            answer(12, "a"),
            "answer 1: grade 12% is not one of the grades Moodle allows (nearest: 12.5%).",
        ),
        ("numerical", answer(100, "zero"), 'answer 1: "zero" is not a number (nor "*").'),
        (
            "numerical",
            answer(100, "1", extra="<tolerance>wide</tolerance>"),
            'answer 1: tolerance "wide" must be a number of 0 or more.',
        ),
        (
            "numerical",
            answer(100, "1", extra="<tolerance>-1</tolerance>"),
            'answer 1: tolerance "-1" must be a number of 0 or more.',
        ),
        (
            "truefalse",
            answer(100, "true"),
            'a true/false question needs a "true" and a "false" answer.',
        ),
        (
            "truefalse",
            answer(100, "true") + answer(100, "false"),
            "exactly one of true and false must be worth 100%.",
        ),
        (
            "truefalse",
            answer(50, "true") + answer(0, "false"),
            'the "true" answer has grade "50"; use 100 or 0.',
        ),
        (
            "matching",
            "<subquestion><text>a</text><answer><text>1</text></answer></subquestion>"
            "<subquestion><text></text><answer><text>2</text></answer></subquestion>"
            "<subquestion><text></text><answer><text>3</text></answer></subquestion>",
            "a matching question needs at least two sub-questions and three answers.",
        ),
        (
            "matching",
            "".join(
                f"<subquestion><text>{q}</text><answer><text>{a}</text></answer></subquestion>"
                for q, a in [("a", "1"), ("b", ""), ("c", "3")]
            ),
            "sub-question 2 has no answer.",
        ),
    ],
)
def test_type_refusals(qtype, body, message):
    assert messages(quiz(question(qtype, body, name="T"))) == [
        (1, f'Question "T" ({qtype}): {message}')
    ]


def test_question_without_text_or_name_or_type():
    data = quiz(
        '<question type="essay"><name><text>NoText</text></name></question>',
        '<question type="essay"><questiontext><text>Hi</text></questiontext></question>',
        '<question type="essay"><name><text>Blank</text></name>'
        "<questiontext><text> </text></questiontext></question>",
        "<question><name><text>NoType</text></name></question>",
        "<question type='essay'><name><text>X</text></name>"
        "<questiontext><text>a<b>b</b></text></questiontext></question>",
        '<question type="category"><info><text>no path</text></info></question>',
        category(""),
    )

    assert messages(data) == [
        (1, 'Question "NoText" (essay): it has no question text.'),
        (2, "Question (essay): it has no <name><text>."),
        (3, 'Question "Blank" (essay): it has no question text.'),
        (4, 'Question "NoType" (): the <question> has no type="..." attribute.'),
        (5, 'Question "X" (essay): <text> contains XML elements; put HTML in CDATA.'),
        (5, 'Question "X" (essay): it has no question text.'),
        (6, "Question (category): a category question needs a <category>."),
        (7, "Question (category): the category path is empty."),
    ]


def test_all_errors_are_collected_and_good_questions_still_read():
    data = quiz(
        question("multichoice", answer(33, "a") + answer(0, "b"), name="Bad1"),
        question("essay", name="Good"),
        question("cloze", name="Cloze"),
        question("shortanswer", answer(0, "x"), name="Bad2"),
    )
    result = parse_moodlexml(data)

    assert [q.name for q in result.questions] == ["Good"]
    assert [(e.position, e.message.split(":")[0]) for e in result.errors] == [
        (1, 'Question "Bad1" (multichoice)'),
        (4, 'Question "Bad2" (shortanswer)'),
    ]
    assert [u.position for u in result.unsupported] == [3]
    assert result.ok is False
    assert result.summary()["errors"][0]["position"] == 1


# Writing and round trips -----------------------------------------------------------------------


def bank() -> list[ParsedQuestion]:
    return [
        ParsedQuestion(qtype="essay", text="Root essay", name="Root", text_format="moodle"),
        ParsedQuestion(
            qtype="single",
            text="<p>Pick <b>one</b> & only one ]]> here</p>",
            name="Pick",
            text_format="html",
            general_feedback="<p>General</p>",
            choices=[
                Choice("<i>A</i>", 1.0, "Yes"),
                Choice("B", -1 / 3, "No"),
                Choice("C \xa0", 0.0),
            ],
            shuffle=False,
            default_mark=2.0,
            category="Nursing/Drugs",
            idnumber="N&D <1>",
            tags=["nurse", "drugs & doses"],
        ),
        ParsedQuestion(
            qtype="multiple",
            text="Primes?",
            name="Primes",
            text_format="plain",
            choices=[
                Choice("2", 1 / 3),
                Choice("3", 1 / 3),
                Choice("5", 1 / 3),
                Choice("4", -0.5, "Even"),
            ],
            shuffle=True,
            category="Nursing/Drugs",
        ),
        ParsedQuestion(
            qtype="truefalse",
            text="Sky is blue",
            name="Sky",
            text_format="markdown",
            choices=[Choice("true", 1.0, "Indeed"), Choice("false", 0.0, "Look up")],
            category="Nursing",
        ),
        ParsedQuestion(
            qtype="shortanswer",
            text="Name it",
            name="Short",
            choices=[Choice("Aspirin", 1.0), Choice("asp*", 0.5, "Nearly")],
            case_sensitive=True,
            category="Nursing",
        ),
        ParsedQuestion(
            qtype="numerical",
            text="How many?",
            name="Num",
            choices=[
                Choice("2.50", 1.0, "Yes", value=2.5, tolerance=0.25),
                Choice("3", 0.5, value=3.0, tolerance=0.0),
                Choice("*", 0.0, "No", value=None),
            ],
            category="Nursing",
        ),
        ParsedQuestion(
            qtype="matching",
            text="Match",
            name="Match",
            pairs=[MatchPair("Cat", "Meow"), MatchPair("Dog", "Woof"), MatchPair("", "Moo")],
            shuffle=False,
            category="Wards//Units",
        ),
        ParsedQuestion(qtype="description", text="Just read", name="Desc", default_mark=0.0),
    ]


def test_round_trip_write_then_read_gives_the_same_questions():
    questions = bank()
    result = parse_moodlexml(write_moodlexml(questions))

    assert result.errors == [] and result.unsupported == []
    assert [replace(q, position=None) for q in result.questions] == questions
    assert result.categories == ["Nursing", "Nursing/Drugs", "Wards//Units"]


def test_written_file_looks_like_a_moodle_export():
    xml = write_moodlexml(bank()).decode()

    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    assert xml.endswith("</quiz>\n")
    # Category questions where the category changes, including back to the root.
    assert xml.count('<question type="category">') == 4
    assert "<text>$course$/top/Nursing/Drugs</text>" in xml
    assert "<text>$course$/top</text>" in xml
    assert '<question type="multichoice">' in xml and '<question type="matching">' in xml
    assert '<answer fraction="-33.33333" format="html">' in xml
    assert '<questiontext format="plain_text">' in xml
    assert "<![CDATA[<p>Pick <b>one</b> &amp;" not in xml  # CDATA, not escaped
    assert "<![CDATA[<p>Pick <b>one</b> & only one ]]]]><![CDATA[> here</p>]]>" in xml
    assert "<idnumber>N&amp;D &lt;1&gt;</idnumber>" in xml
    assert "<tolerance>0.25</tolerance>" in xml


def test_category_descriptions_are_written_with_their_parents():
    questions = [ParsedQuestion(qtype="essay", text="Deep", name="Deep", category="A/B/C")]
    infos = {
        "A": CategoryInfo("About A", "plain", "a-1"),
        "A/B/C": CategoryInfo("About C", "markdown", ""),
    }
    result = parse_moodlexml(write_moodlexml(questions, categories=infos))

    assert result.category_info == infos
    assert result.categories == ["A", "A/B", "A/B/C"]
    assert result.questions[0].category == "A/B/C"


def test_writer_normalises_what_xml_cannot_hold():
    questions = [ParsedQuestion(qtype="essay", text="Line\r\nbreak\x00 and \x1bbell", name="N")]

    assert only(write_moodlexml(questions)).text == "Line\nbreak and bell"


def test_writer_names_an_unnamed_question_from_its_text():
    questions = [ParsedQuestion(qtype="essay", text="<p>Explain hand hygiene</p>")]

    assert only(write_moodlexml(questions)).name == "Explain hand hygiene"


def test_writer_refuses_an_unknown_type():
    with pytest.raises(ValueError, match="cloze"):
        write_moodlexml([ParsedQuestion(qtype="cloze", text="x")])
