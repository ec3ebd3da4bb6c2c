"""Moodle XML question files: `parse_moodlexml` reads one, `write_moodlexml` writes one.

Pure Python (no Django): bytes in, `ir` objects out, and back.

Reading
- The XML is parsed with defusedxml, with DTDs forbidden: a `<!DOCTYPE>` (and so any entity
  declaration, external entity or "billion laughs" expansion) is refused with an error.
- Every problem becomes a `ParseError`; nothing is raised. Malformed XML gives one error whose
  message carries the parser's line and column, with the position of the question it was in when
  that is known. Other errors carry the question's position.
- Position: the 1-based index of the `<question>` element among ALL `<question>` children of
  `<quiz>`, category "questions" included, because that is what a reader of the file can count.
- Types read: multichoice (single / multiple), truefalse, shortanswer, numerical, matching
  (also "match"), essay, description, and category. Any other type (cloze/multianswer,
  calculated*, ddwtos, gapselect, random, randomsamatch, ddimageortext, ordering, ...) is
  reported as `Unsupported(type, name, position)`, never dropped silently and never parsed.
- Categories: a category question switches the category of the questions after it. Its path
  loses a leading context segment (`$course$`, `$system$`, `$module$`, `$cat$`, `$cat1$`...) and
  a leading `top` segment; what remains, in Moodle's own escaping (a "/" inside a name is "//"),
  is the `ir` category path. The `category` argument is a base path the file's categories are
  put under (and the category of questions that come before any category question).
  `ParseResult.categories` lists every category the import touches, each parent before its
  children (so "Sigma" comes before "Sigma/Tau" even when the file names the child first).
  A category's description (`<info>`), its format and its idnumber are returned in
  `MoodleXmlResult.category_info`, since `ir.ParseResult` has no place for them.
- Faithful to Moodle's importer (question/format/xml/format.php and question/format.php):
  texts are trimmed (PHP's trim, so a non-breaking space is kept); a missing format attribute
  means html; `wiki_like` is read as markdown (Moodle converted wiki texts to markdown) and an
  unknown format as html, as Moodle does; a missing `<single>` means single answer, a missing
  `<shuffleanswers>` means "don't shuffle" for multichoice and "shuffle" for matching; answer
  grades (multichoice, shortanswer, numerical) must be in Moodle's grade list (100, 90, 83.33333,
  80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111,
  10, 5, 0 and the same negative, within 0.001 %), as Moodle's "error if grade not listed"
  import does; a grade in the list is stored as the exact fraction (33.33333 -> 1/3).
- Checks Moodle makes in its editing forms rather than its importer are applied too, so that a
  file is refused before anything is stored: a question needs a `<name>` and a question text; a
  multichoice needs two answers, and one at 100 % (single) or positive grades adding up to 100 %
  (multiple); shortanswer and numerical need an answer at 100 %; an answer with a grade needs a
  text; a numerical answer is a number or `*` (any other answer) with a numeric tolerance; a
  matching question needs two sub-questions and three answers; a true/false question needs a
  "true" and a "false" answer, graded 100 and 0. Stricter than Moodle: a negative tolerance and a
  negative default mark are errors, and a `<text>` holding XML elements (unescaped HTML) is an
  error where Moodle's importer would fail less clearly.
- An empty `<name>` gets a name made from the question text (as Moodle does for cloze).

Not imported (limitations, no error): embedded files (`<file>` elements, and the Moodle 1.9
`<image>`/`<image_base64>`) are not stored; texts keep their `@@PLUGINFILE@@/...` references,
which will not resolve. Also ignored: per-answer text formats (the `ir` uses the question's),
combined feedback (correct / partially correct / incorrect), hints, penalty, hidden,
answernumbering, essay response options, numerical units, and the deprecated `<fraction>` tag.
Course tags (`<coursetags>`) are merged into the tags.

Writing
- Moodle XML as Moodle exports it (see the fixtures in Moodle's question/format/xml/tests): a
  category question `$course$/top/PATH` whenever the category changes (`$course$/top` for the
  root), preceded by one for each parent that has an entry in `categories`; texts in CDATA when
  they contain markup; no embedded files. Grades are written as given: one outside Moodle's
  list makes Moodle refuse the question unless its import is set to "nearest grade".
- `parse_moodlexml(write_moodlexml(qs))` gives back `qs` (all fields but `position`) provided
  the questions are as the reader makes them: trimmed texts, a name, grades from Moodle's list,
  fields that mean nothing for a type (`shuffle` outside multichoice/matching, `case_sensitive`
  outside shortanswer) at their defaults, and a description's mark 0. Characters XML cannot
  hold (control characters) are dropped and line endings become "\\n".
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, TreeBuilder
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from defusedxml.ElementTree import ParseError as XMLSyntaxError

from .ir import Choice, MatchPair, ParsedQuestion, ParseError, ParseResult, Unsupported
from .moodle import (
    GRADE_TOLERANCE,
    GRADES,
    PATH_SEPARATOR,
    PHP_TRIM,
    categories_touch,
    category_join,
    category_path,
)

SUPPORTED = {
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "match",
    "essay",
    "description",
}
FORMAT_IN = {
    "moodle_auto_format": "moodle",
    "html": "html",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "markdown",
}
FORMAT_OUT = {
    "moodle": "moodle_auto_format",
    "html": "html",
    "plain": "plain_text",
    "markdown": "markdown",
}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TAG = re.compile(r"<[^>]*>")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class CategoryInfo:
    """What a category question says about its category besides the path."""

    info: str = ""
    info_format: str = "moodle"
    idnumber: str = ""


@dataclass
class MoodleXmlResult(ParseResult):
    category_info: dict[str, CategoryInfo] = field(default_factory=dict)


# Reading -------------------------------------------------------------------------------------


class _Counter:
    """Tree builder that counts the <question> elements, to place a syntax error in one."""

    def __init__(self):
        self.builder = TreeBuilder()
        self.depth = 0
        self.questions = 0
        self.open_question: int | None = None

    def start(self, tag, attrs):
        self.depth += 1
        if self.depth == 2 and tag == "question":
            self.questions += 1
            self.open_question = self.questions
        return self.builder.start(tag, attrs)

    def end(self, tag):
        if self.depth == 2 and tag == "question":
            self.open_question = None
        self.depth -= 1
        return self.builder.end(tag)

    def data(self, text):
        return self.builder.data(text)

    def close(self):
        return self.builder.close()


def _read_xml(data: bytes, result: ParseResult) -> Element | None:
    counter = _Counter()
    parser = DefusedXMLParser(target=counter, forbid_dtd=True)
    try:
        parser.feed(data)
        return parser.close()
    except XMLSyntaxError as error:
        message = f"The file is not well-formed XML: {error}"
    except DefusedXmlException:
        line = parser.parser.CurrentLineNumber
        message = (
            f"The file contains a document type declaration (<!DOCTYPE>) at line {line}: "
            "DTDs and entity declarations are refused for safety."
        )
    result.errors.append(ParseError(message, position=counter.open_question))
    return None


def _trim(text: str | None) -> str:
    return (text or "").strip(PHP_TRIM)


class _Question:
    """One <question> element being read; collects its problems."""

    def __init__(self, element: Element, position: int):
        self.element = element
        self.position = position
        self.problems: list[str] = []
        self.qtype = _trim(element.get("type"))
        self.name = self.text_of(element.find("name"))

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def content(self, element: Element | None) -> str:
        """The trimmed text of an element that must hold only text."""
        if element is None:
            return ""
        if len(element):
            self.problem(f"<{element.tag}> contains XML elements; put HTML in CDATA.")
            return ""
        return _trim(element.text)

    def text_of(self, element: Element | None) -> str:
        """The text of <element><text>...</text></element>; "" when absent."""
        if element is None:
            return ""
        return self.content(element.find("text"))

    def errors(self) -> list[ParseError]:
        label = f'Question "{self.name}"' if self.name else "Question"
        return [
            ParseError(f"{label} ({self.qtype}): {message}", position=self.position)
            for message in self.problems
        ]


def _flag(text: str | None, default: bool) -> bool:
    """Moodle's trans_single: "false", "0" and "" are false, anything else true."""
    if text is None:
        return default
    return _trim(text) not in ("false", "0", "")


def _text_format(name: str | None) -> str:
    return FORMAT_IN.get(_trim(name), "html") if name is not None else "html"


def _default_name(text: str) -> str:
    plain = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return plain[:80].rstrip() if len(plain) > 80 else plain


def _grade(raw: str | None, where: str, q: _Question) -> float | None:
    """An answer's fraction attribute (a percentage) as a fraction of 1, or None if invalid."""
    text = _trim(raw) or "0"
    try:
        value = float(text) / 100
    except ValueError:
        q.problem(f'{where}: grade "{text}" is not a number.')
        return None
    if not math.isfinite(value):
        q.problem(f'{where}: grade "{text}" is not a number.')
        return None
    nearest = min(GRADES, key=lambda grade: abs(value - grade))
    if abs(value - nearest) >= GRADE_TOLERANCE:
        q.problem(
            f"{where}: grade {text}% is not one of the grades Moodle allows "
            f"(nearest: {_percent(float(nearest))}%)."
        )
        return None
    return float(nearest)


def _headers(q: _Question) -> ParsedQuestion:
    element = q.element
    if element.find("name/text") is None:
        q.problem("it has no <name><text>.")
    questiontext = element.find("questiontext")
    text = q.text_of(questiontext)
    if not text:
        q.problem("it has no question text.")
    question = ParsedQuestion(
        qtype=q.qtype,
        text=text,
        name=q.name or _default_name(text),
        text_format=_text_format(questiontext.get("format") if questiontext is not None else None),
        general_feedback=q.text_of(element.find("generalfeedback")),
        idnumber=q.content(element.find("idnumber")),
        position=q.position,
    )
    grade = element.find("defaultgrade")
    if grade is not None:
        raw = q.content(grade)
        try:
            question.default_mark = float(raw)
        except ValueError:
            q.problem(f'default grade "{raw}" is not a number.')
        else:
            if not math.isfinite(question.default_mark) or question.default_mark < 0:
                q.problem(f'default grade "{raw}" must be a number of 0 or more.')
    for container in ("tags", "coursetags"):
        for tag in element.findall(f"{container}/tag"):
            name = q.text_of(tag)
            if name and name not in question.tags:
                question.tags.append(name)
    return question


def _answers(q: _Question) -> list[tuple[int, Choice, Element]]:
    """(number, choice, element) for the <answer> elements that count: an empty one without a
    grade is skipped, as Moodle's forms do; an empty one with a grade is an error."""
    answers = []
    for index, answer in enumerate(q.element.findall("answer"), start=1):
        fraction = _grade(answer.get("fraction"), f"answer {index}", q)
        text = q.text_of(answer)
        if not text:
            if fraction:
                q.problem(f"answer {index} has a grade but no text.")
            continue
        feedback = q.text_of(answer.find("feedback"))
        answers.append((index, Choice(text, fraction or 0.0, feedback), answer))
    return answers


def _choices(q: _Question) -> list[Choice]:
    return [choice for _, choice, _ in _answers(q)]


def _multichoice(q: _Question, question: ParsedQuestion) -> None:
    element = q.element
    single = _flag(element.findtext("single"), True)
    question.qtype = "single" if single else "multiple"
    question.shuffle = _flag(element.findtext("shuffleanswers"), False)
    before = len(q.problems)
    question.choices = _choices(q)
    if len(q.problems) > before:
        return  # a refused answer would make the checks below misleading
    if len(question.choices) < 2:
        q.problem("a multiple choice question needs at least two answers.")
    elif single and max(choice.fraction for choice in question.choices) != 1.0:
        q.problem("one answer must be worth 100% (no answer is fully correct).")
    elif not single:
        total = sum(choice.fraction for choice in question.choices if choice.fraction > 0)
        if round(total, 2) != 1.0:
            q.problem(
                f"the positive grades must add up to 100% (they add up to {_percent(total)}%)."
            )


def _truefalse(q: _Question, question: ParsedQuestion) -> None:
    before = len(q.problems)
    found: dict[str, Choice] = {}
    for index, answer in enumerate(q.element.findall("answer")):
        text = q.text_of(answer)
        if text not in ("true", "false"):
            # Old exports used localised texts, always true first (Moodle's own fallback).
            text = "true" if index == 0 else "false"
        raw = _trim(answer.get("fraction")) or "0"
        try:
            fraction = float(raw) / 100
        except ValueError:
            fraction = math.nan
        if fraction not in (0.0, 1.0):
            q.problem(f'the "{text}" answer has grade "{raw}"; use 100 or 0.')
            fraction = 0.0
        found[text] = Choice(
            text=text, fraction=fraction, feedback=q.text_of(answer.find("feedback"))
        )
    if set(found) != {"true", "false"}:
        q.problem('a true/false question needs a "true" and a "false" answer.')
        return
    question.choices = [found["true"], found["false"]]
    if len(q.problems) == before and sorted(choice.fraction for choice in question.choices) != [
        0.0,
        1.0,
    ]:
        q.problem("exactly one of true and false must be worth 100%.")


def _needs_full_marks(q: _Question, choices: list[Choice], before: int) -> None:
    if len(q.problems) > before:
        return  # a refused answer would make the checks below misleading
    if not choices:
        q.problem("it has no answer.")
    elif max(choice.fraction for choice in choices) != 1.0:
        q.problem("one answer must be worth 100% (no answer is fully correct).")


def _shortanswer(q: _Question, question: ParsedQuestion) -> None:
    question.case_sensitive = _flag(q.element.findtext("usecase"), False)
    before = len(q.problems)
    question.choices = _choices(q)
    _needs_full_marks(q, question.choices, before)


def _numerical(q: _Question, question: ParsedQuestion) -> None:
    before = len(q.problems)
    answers = _answers(q)
    question.choices = [choice for _, choice, _ in answers]
    for index, choice, answer in answers:
        if choice.text != "*":
            if _NUMBER.match(choice.text):
                choice.value = float(choice.text)
            else:
                q.problem(f'answer {index}: "{choice.text}" is not a number (nor "*").')
        raw = q.content(answer.find("tolerance")) or "0"
        try:
            choice.tolerance = float(raw)
        except ValueError:
            choice.tolerance = math.nan
        if not math.isfinite(choice.tolerance) or choice.tolerance < 0:
            q.problem(f'answer {index}: tolerance "{raw}" must be a number of 0 or more.')
            choice.tolerance = 0.0
    _needs_full_marks(q, question.choices, before)


def _matching(q: _Question, question: ParsedQuestion) -> None:
    question.qtype = "matching"
    question.shuffle = _flag(q.element.findtext("shuffleanswers"), True)
    for index, sub in enumerate(q.element.findall("subquestion"), start=1):
        pair = MatchPair(question=q.text_of(sub), answer=q.text_of(sub.find("answer")))
        if not pair.question and not pair.answer:
            continue  # Moodle ignores blank rows
        if pair.question and not pair.answer:
            q.problem(f"sub-question {index} has no answer.")
        question.pairs.append(pair)
    if sum(1 for pair in question.pairs if pair.question) < 2 or len(question.pairs) < 3:
        q.problem("a matching question needs at least two sub-questions and three answers.")


def _nothing(q: _Question, question: ParsedQuestion) -> None:
    if q.qtype == "description":
        question.default_mark = 0.0


READERS = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "match": _matching,
    "essay": _nothing,
    "description": _nothing,
}


def _category(q: _Question, base: str, result: MoodleXmlResult) -> str | None:
    element = q.element.find("category")
    if element is None:
        q.problem("a category question needs a <category>.")
        return None
    # <category><text>PATH</text></category>, or the old <category>PATH</category>.
    raw = q.text_of(element) if element.find("text") is not None else q.content(element)
    if not raw:
        q.problem("the category path is empty.")
        return None
    path = category_join(base, category_path(raw))
    info = q.element.find("info")
    if path and (info is not None or q.element.find("idnumber") is not None):
        result.category_info[path] = CategoryInfo(
            info=q.text_of(info),
            info_format=_text_format(info.get("format")) if info is not None else "moodle",
            idnumber=q.content(q.element.find("idnumber")),
        )
    categories_touch(result, path)
    return path


def parse_moodlexml(data: bytes, *, category: str = "") -> MoodleXmlResult:
    """Read a Moodle XML file; see the module docstring for what is read and refused."""
    result = MoodleXmlResult()
    root = _read_xml(data, result)
    if root is None:
        return result
    if root.tag != "quiz":
        result.errors.append(
            ParseError(f"The root element is <{root.tag}>; a Moodle XML file starts with <quiz>.")
        )
        return result
    base = category_path(category)
    current = base
    for position, element in enumerate(root.findall("question"), start=1):
        q = _Question(element, position)
        if not q.qtype:
            q.problem('the <question> has no type="..." attribute.')
        elif q.qtype == "category":
            path = _category(q, base, result)
            if path is not None:
                current = path
        elif q.qtype not in SUPPORTED:
            result.unsupported.append(Unsupported(q.qtype, q.name, position=position))
        else:
            question = _headers(q)
            READERS[q.qtype](q, question)
            question.category = current
            if not q.problems:
                categories_touch(result, current)
                result.questions.append(question)
        result.errors.extend(q.errors())
    return result


# Writing -------------------------------------------------------------------------------------


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _escaped(text: str) -> str:
    return escape(_xml_text(text))


def _cdata(text: str) -> str:
    """Text for inside <text>: in CDATA when it has markup, as Moodle's xml_escape does."""
    text = _xml_text(text)
    if any(char in text for char in "&<>\"'"):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return text


def _field(tag: str, text: str, fmt: str | None = None, indent: str = "    ") -> list[str]:
    attribute = f' format="{FORMAT_OUT[fmt]}"' if fmt else ""
    return [
        f"{indent}<{tag}{attribute}>",
        f"{indent}  <text>{_cdata(text)}</text>",
        f"{indent}</{tag}>",
    ]


def _answer(choice: Choice, fmt: str, answer_format: str, text: str, extra=()) -> list[str]:
    lines = [f'    <answer fraction="{_percent(choice.fraction)}" format="{answer_format}">']
    lines.append(f"      <text>{_cdata(text)}</text>")
    lines += _field("feedback", choice.feedback, fmt, indent="      ")
    return [*lines, *extra, "    </answer>"]


def _combined_feedback(fmt: str) -> list[str]:
    lines = []
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        lines += _field(tag, "", fmt)
    return lines


def _numeric_text(choice: Choice) -> str:
    if choice.value is None:
        return "*"
    if _NUMBER.match(choice.text) and float(choice.text) == choice.value:
        return choice.text
    return _number(choice.value)


def _body(question: ParsedQuestion) -> list[str]:
    fmt = question.text_format
    qtype = question.qtype
    lines: list[str] = []
    if qtype in ("single", "multiple"):
        lines += [
            f"    <single>{'true' if qtype == 'single' else 'false'}</single>",
            f"    <shuffleanswers>{'true' if question.shuffle else 'false'}</shuffleanswers>",
            "    <answernumbering>abc</answernumbering>",
            "    <showstandardinstruction>0</showstandardinstruction>",
            *_combined_feedback(fmt),
        ]
        for choice in question.choices:
            lines += _answer(choice, fmt, FORMAT_OUT[fmt], choice.text)
    elif qtype == "truefalse":
        for choice in question.choices:
            lines += _answer(choice, fmt, "moodle_auto_format", choice.text)
    elif qtype == "shortanswer":
        lines.append(f"    <usecase>{int(question.case_sensitive)}</usecase>")
        for choice in question.choices:
            lines += _answer(choice, fmt, "moodle_auto_format", choice.text)
    elif qtype == "numerical":
        for choice in question.choices:
            tolerance = [f"      <tolerance>{_number(choice.tolerance)}</tolerance>"]
            lines += _answer(choice, fmt, "moodle_auto_format", _numeric_text(choice), tolerance)
        lines += [
            "    <unitgradingtype>0</unitgradingtype>",
            "    <unitpenalty>0.1000000</unitpenalty>",
            "    <showunits>3</showunits>",
            "    <unitsleft>0</unitsleft>",
        ]
    elif qtype == "matching":
        lines.append(
            f"    <shuffleanswers>{'true' if question.shuffle else 'false'}</shuffleanswers>"
        )
        lines += _combined_feedback(fmt)
        for pair in question.pairs:
            lines += [
                f'    <subquestion format="{FORMAT_OUT[fmt]}">',
                f"      <text>{_cdata(pair.question)}</text>",
                "      <answer>",
                f"        <text>{_cdata(pair.answer)}</text>",
                "      </answer>",
                "    </subquestion>",
            ]
    elif qtype == "essay":
        lines += [
            "    <responseformat>editor</responseformat>",
            "    <responserequired>1</responserequired>",
            "    <responsefieldlines>15</responsefieldlines>",
            "    <attachments>0</attachments>",
            "    <attachmentsrequired>0</attachmentsrequired>",
            *_field("graderinfo", "", fmt),
            *_field("responsetemplate", "", fmt),
        ]
    return lines


MOODLE_TYPES = {
    "single": ("multichoice", "0.3333333"),
    "multiple": ("multichoice", "0.3333333"),
    "truefalse": ("truefalse", "1.0000000"),
    "shortanswer": ("shortanswer", "0.3333333"),
    "numerical": ("numerical", "0.3333333"),
    "matching": ("matching", "0.3333333"),
    "essay": ("essay", "0.0000000"),
    "description": ("description", "0.0000000"),
}


def _question(question: ParsedQuestion) -> list[str]:
    if question.qtype not in MOODLE_TYPES:
        raise ValueError(f"Cannot write a question of type {question.qtype!r} as Moodle XML.")
    if question.text_format not in FORMAT_OUT:
        raise ValueError(f"Unknown text format {question.text_format!r}.")
    moodle_type, penalty = MOODLE_TYPES[question.qtype]
    fmt = question.text_format
    mark = 0.0 if question.qtype == "description" else question.default_mark
    lines = [
        f'  <question type="{moodle_type}">',
        *_field("name", question.name or _default_name(question.text)),
        *_field("questiontext", question.text, fmt),
        *_field("generalfeedback", question.general_feedback, fmt),
        f"    <defaultgrade>{_number(mark)}</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{_escaped(question.idnumber)}</idnumber>",
        *_body(question),
    ]
    if question.tags:
        lines.append("    <tags>")
        lines += [f"      <tag><text>{_cdata(tag)}</text></tag>" for tag in question.tags]
        lines.append("    </tags>")
    return [*lines, "  </question>", ""]


def _category_question(path: str, info: CategoryInfo | None) -> list[str]:
    lines = [
        '  <question type="category">',
        "    <category>",
        f"      <text>{_cdata(category_join('$course$/top', path))}</text>",
        "    </category>",
    ]
    if info is not None:
        lines += _field("info", info.info, info.info_format)
        lines.append(f"    <idnumber>{_escaped(info.idnumber)}</idnumber>")
    return [*lines, "  </question>", ""]


def write_moodlexml(
    questions: list[ParsedQuestion], *, categories: dict[str, CategoryInfo] | None = None
) -> bytes:
    """Moodle XML for `questions`, in their order; `categories` adds descriptions/idnumbers."""
    categories = categories or {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    current = ""
    written: set[str] = set()
    for question in questions:
        if question.category != current:
            parts = PATH_SEPARATOR.split(question.category) if question.category else []
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                if parent in categories and parent not in written:
                    lines += _category_question(parent, categories[parent])
                    written.add(parent)
            lines += _category_question(question.category, categories.get(question.category))
            written.add(question.category)
            current = question.category
        lines += _question(question)
    lines.append("</quiz>")
    return ("\n".join(lines) + "\n").encode("utf-8")
