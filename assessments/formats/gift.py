"""GIFT question files: `parse_gift` reads one, `write_gift` writes one.

Pure Python (no Django), written by hand after Moodle's own reader
(question/format/gift/format.php); the third-party corpus in ../shared/corpus/gift is its test.

Reading
- A file is a list of questions separated by blank lines. Lines keep their indentation (markdown
  needs it; Moodle trims them) and texts are trimmed. A line whose first visible characters
  are `//` is a comment. Comments inside a question may carry Moodle's metadata: `[id:X]` (the
  idnumber; `\\]` for a "]" in it) and `[tag:X]` (as many as wanted).
- Escapes, in any text: `\\~ \\= \\# \\{ \\} \\:` give the character, `\\n` a line break, `\\\\` a
  backslash; a backslash before anything else is kept as it is.
- `$CATEGORY: PATH` at the start of a question switches the category of the questions after it.
  The path loses a leading Moodle context segment (`$course$`, `$system$`, `$module$`,
  `$coursecategory$`...) and then a leading `top` segment, as in the Moodle XML reader:
  "$course$/top/Default/Nursing" is "Default/Nursing". A "/" inside a name stays written "//",
  Moodle's escaping. The `category` argument is the base the importer chose: the
  questions before the first `$CATEGORY:` go in it, and the file's categories go under it.
  `categories` lists each category a question is put in or a `$CATEGORY:` names, parents
  first. Unlike Moodle, a question may follow its `$CATEGORY:` line without a blank line
  between them.
- `::title::` starts a question; without one the name is made from the text (as Moodle does).
  Then an optional `[html]`, `[moodle]`, `[markdown]` or `[plain]` (default moodle); answers and
  feedback may start with their own `[format]`, which is removed (the `ir` has one format per
  question). A bracketed word at such a place that looks like a format but is none (another
  case, a misspelling within two letters, or another format's name: `[HTML]`, `[htm]`,
  `[markdwon]`, `[text]`, `[md]`) is an error; other bracketed text (`[ICU] ...`, `[note]`) is
  text, as in Moodle.
- The answer block `{...}` may stand anywhere in the text. When text follows it, the block is
  replaced by BLANK ("_____", Moodle's marker) in the question text; when the text ends with it,
  it is simply removed.
- Type, as Moodle decides it: no block: description (mark 0); `{}`: essay; `{#...}`: numerical;
  a `~` in the block: multiple choice ("single" when there is a `=` answer, else "multiple");
  `=` and `->`: matching; `T`, `TRUE`, `F`, `FALSE`: true/false; anything else: short answer.
- `####text` at the end of a block is the general feedback; `#text` after an answer its feedback.
  True/false: `{TRUE#first#second}`: Moodle shows the first feedback to whoever gives the wrong
  answer and the second to whoever gives the right one; each lands on the choice that shows it.
- Weights `%50%` follow `~` or `=`; they must be in Moodle's grade list (33.33333 and 66.66667
  for thirds...), as Moodle's importer requires, and are stored as exact fractions. Negative
  weights only in multiple choice. Numerical answers: `n`, `n:tolerance`, `min..max` (stored as
  the middle and half the width) or `*`; `~#feedback` is the feedback for any other answer,
  stored as a choice with text "*", value None and fraction 0 (numbers have text "").
- Checks Moodle's editing forms make (so a file is refused before anything is stored): a text;
  multiple choice: two answers, one at 100% (single) or positive weights adding up to 100%
  (multiple); short answer and numerical: one answer at 100%; matching: two sub-questions and
  three answers (a pair with nothing before `->` is an extra answer). Stricter than Moodle:
  text before the first `~`/`=` of a multiple choice; two or more `=a -> b` pairs mixed with
  `~` answers (Moodle would make a multiple choice with "a -> b" answers); `{true}`, `{t}` (a
  true/false letter in the wrong case); a second `{` or a stray `}` (write `\\{`, `\\}`); an
  empty answer; a negative weight outside multiple choice; a negative tolerance or a range
  whose bounds are the wrong way round. Kinder than Moodle: `=%50%` in a multiple choice is a
  50% weight (Moodle reads "%50%" as text there).
- Every error is a `ParseError` with the line of the problem (the answer's line for an answer
  problem, the `{` line for a block problem); the question is skipped and reading goes on with
  the next one. Nothing is raised.

Writing: `parse_gift(write_gift(qs))` gives back `qs` (all fields but `line`) for questions as
the reader makes them. Each question is written as `::name::[format]text{...}` with every
control character escaped and line breaks as `\\n`, `// [id:...]` and `// [tag:...]` comments,
and `$CATEGORY: $course$/top/PATH` when the category changes. Not expressible in GIFT (lost or
changed on the way back): shuffle, case sensitivity, the default mark, per-answer formats, a
description's general feedback, "->" in a matching sub-question or in a short answer that has
several answers, and a "single" question whose answers are all 100%.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal

from .ir import TEXT_FORMATS, Choice, MatchPair, ParsedQuestion, ParseError, ParseResult
from .moodle import GRADE_TOLERANCE, GRADES, categories_touch, category_join, category_path

BLANK = "_____"

# While a question is taken apart, an escaped control character stands as a Unicode
# noncharacter (reserved for internal use), as Moodle uses "&&058;" placeholders: "\=" then
# never splits an answer.
_ESCAPED = {
    ":": "\ufdd0",
    "#": "\ufdd1",
    "=": "\ufdd2",
    "{": "\ufdd3",
    "}": "\ufdd4",
    "~": "\ufdd5",
}
_RESTORE = str.maketrans({mark: char for char, mark in _ESCAPED.items()})

_TRUE, _FALSE = ("T", "TRUE"), ("F", "FALSE")
_FORMAT = re.compile(r"\[([A-Za-z_]+)\]")
# Other names a writer may take for a text format (Moodle XML's, common abbreviations).
_FORMAT_LOOKALIKES = {"text", "txt", "md", "plaintext", "plain_text", "moodle_auto_format",
                      "wiki", "wiki_like", "xhtml"}  # fmt: skip
_WEIGHT = re.compile(r"%([-+]?[0-9.,]*[0-9][0-9.,]*)%")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_ID = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_MARKUP = re.compile(r"<[^>]*>")


class _Refused(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


class _Source:
    """A question's lines joined, escapes replaced, with the source line of each character."""

    def __init__(self, lines: list[tuple[int, str]]):
        chars: list[str] = []
        where: list[int] = []
        for index, (number, raw) in enumerate(lines):
            if index:
                chars.append("\n")
                where.append(number)
            i = 0
            while i < len(raw):
                char, following = raw[i], raw[i + 1 : i + 2]
                if char == "\\" and following == "\\":
                    chars.append("\\")
                elif char == "\\" and following in _ESCAPED:
                    chars.append(_ESCAPED[following])
                elif char == "\\" and following == "n":
                    chars.append("\n")
                else:
                    chars.append(char)
                    where.append(number)
                    i += 1
                    continue
                where.append(number)
                i += 2
        self.text = "".join(chars)
        self.lines = where

    def span(self) -> _Span:
        return _Span(self, 0, len(self.text))


@dataclass(frozen=True)
class _Span:
    """Part of a _Source, so that every piece knows the line it comes from."""

    src: _Source
    start: int
    end: int

    @property
    def s(self) -> str:
        return self.src.text[self.start : self.end]

    @property
    def line(self) -> int:
        """The line of the first visible character (of the start when there is none)."""
        text, i = self.src.text, self.start
        while i < self.end and text[i].isspace():
            i += 1
        if i >= self.end:
            i = self.start
        return self.src.lines[min(i, len(self.src.lines) - 1)]

    def part(self, begin: int, finish: int | None = None) -> _Span:
        finish = self.end - self.start if finish is None else finish
        return _Span(self.src, self.start + begin, self.start + finish)

    def strip(self) -> _Span:
        s = self.s
        lead = len(s) - len(s.lstrip())
        return self.part(lead, lead + len(s.strip()))

    def split(self, markers: str) -> list[tuple[str, _Span]]:
        """(marker, piece) at each marker character; the first piece has marker ""."""
        pieces, marker, begin = [], "", 0
        for i, char in enumerate(self.s):
            if char in markers:
                pieces.append((marker, self.part(begin, i)))
                marker, begin = char, i + 1
        pieces.append((marker, self.part(begin)))
        return pieces

    def cut(self, char: str) -> tuple[_Span, _Span | None]:
        """The span before the first `char` and the one after it (None without one)."""
        i = self.s.find(char)
        return (self, None) if i < 0 else (self.part(0, i), self.part(i + 1))


def _plain(text: str) -> str:
    return text.translate(_RESTORE).strip()


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short words only)."""
    row = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, other in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (char != other))
    return row[-1]


def _looks_like_a_format(word: str) -> bool:
    """A misspelt or miscased format ([htm], [HTML], [markdwn], [text]) rather than text that
    happens to start with a bracketed word ([ICU], [note])."""
    return word in _FORMAT_LOOKALIKES or any(_distance(word, name) <= 2 for name in TEXT_FORMATS)


def _with_format(text: str, default: str, line: int) -> tuple[str, str]:
    """A text's own [format] (or `default`) and the text without it, unescaped and trimmed."""
    text = text.strip()
    match = _FORMAT.match(text)
    if match:
        word = match.group(1)
        if word in TEXT_FORMATS:
            return word, _plain(text[match.end() :])
        if _looks_like_a_format(word.lower()):
            raise _Refused(
                f"unknown text format [{word}]: use [html], [moodle], [markdown] or [plain].",
                line,
            )
    return default, _plain(text)


def _default_name(text: str) -> str:
    """Moodle's default name: the text without markup, at most 80 characters."""
    plain = " ".join(html.unescape(_MARKUP.sub(" ", text)).split())
    return plain[:80].rstrip() if len(plain) > 80 else plain


def _metadata(comments: list[str]) -> tuple[str, list[str]]:
    """Moodle's `[id:...]` and `[tag:...]` in a question's comments."""
    text = "\n".join(comments)
    match = _ID.search(text)
    idnumber = match.group(1).strip().replace("\\]", "]") if match else ""
    tags: list[str] = []
    for raw in _TAG.findall(text):
        tag = raw.strip().replace("\\]", "]")
        if tag and tag not in tags:
            tags.append(tag)
    return idnumber, tags


def _chunks(text: str):
    """Each question's lines as (line number, line), blank lines between questions dropped."""
    chunk: list[tuple[int, str]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff").split("\n")
    for number, line in enumerate(lines, start=1):
        if line.strip():
            chunk.append((number, line))
        elif chunk:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parse_gift(text: str, *, category: str = "") -> ParseResult:
    result = ParseResult()
    base = current = category_path(category)
    for chunk in _chunks(text):
        comments = [line for _, line in chunk if line.lstrip().startswith("//")]
        body = [(number, line) for number, line in chunk if not line.lstrip().startswith("//")]
        if body and body[0][1].lstrip().startswith("$CATEGORY:"):
            current = category_join(base, category_path(body[0][1].lstrip()[len("$CATEGORY:") :]))
            categories_touch(result, current)
            body = body[1:]
        if not body:
            continue
        try:
            question = _question(_Source(body).span().strip(), comments)
        except _Refused as refused:
            result.errors.append(ParseError(message=refused.message, line=refused.line))
            continue
        question.category = current
        categories_touch(result, current)
        result.questions.append(question)
    return result


def _question(span: _Span, comments: list[str]) -> ParsedQuestion:
    line = span.line
    name = ""
    if span.s.startswith("::"):
        finish = span.s.find("::", 2)
        if finish < 0:
            raise _Refused("the title is not closed: '::' expected after '::title'.", line)
        name = _plain(span.s[2:finish])
        span = span.part(finish + 2).strip()
    idnumber, tags = _metadata(comments)
    s = span.s
    opening, closing = s.find("{"), s.find("}")
    if closing >= 0 and not 0 <= opening < closing:
        raise _Refused(
            "'}' without an opening '{' (write \\} for a brace in text).", _at(span, closing)
        )
    if opening >= 0 and closing < 0:
        raise _Refused(
            "'{' is not closed: '}' expected before the end of the question "
            "(a blank line ends a question; write \\{ for a brace in text).",
            _at(span, opening),
        )
    if opening >= 0:
        inner = s.find("{", opening + 1)
        if 0 <= inner < closing:
            raise _Refused("'{' inside an answer block (write \\{ for a brace).", _at(span, inner))
        after = s[closing + 1 :]
        for char, problem in (("{", "a second answer block"), ("}", "'}' without an opening '{'")):
            if char in after:
                raise _Refused(
                    f"{problem}: a GIFT question has one {{...}} (write \\{char} for a brace "
                    "in text).",
                    _at(span, closing + 1 + after.index(char)),
                )
    if opening < 0:
        text_format, stem = _with_format(s, "moodle", line)
        block = None
    else:
        # Moodle's "missing word": a blank where the block was, unless the text ends with it.
        rest = s[closing + 1 :]
        raw = s[:opening] + (BLANK + rest if rest.strip() else "")
        text_format, stem = _with_format(raw, "moodle", line)
        block = span.part(opening + 1, closing)
    if not stem:
        raise _Refused("the question has no text.", line)
    question = ParsedQuestion(
        qtype="description",
        text=stem,
        name=name or _default_name(stem),
        text_format=text_format,
        idnumber=idnumber,
        tags=tags,
        line=line,
    )
    if block is None:
        question.default_mark = 0.0
        return question
    _answers(question, block, _at(span, opening))
    return question


def _at(span: _Span, offset: int) -> int:
    return span.src.lines[min(span.start + offset, len(span.src.lines) - 1)]


def _answers(question: ParsedQuestion, block: _Span, line: int) -> None:
    """Fill in the type, answers and general feedback from the answer block."""
    fmt = question.text_format
    separator = block.s.rfind("####")
    if separator >= 0:
        feedback = block.part(separator + 4)
        question.general_feedback = _with_format(feedback.s, fmt, feedback.line)[1]
        block = block.part(0, separator)
    block = block.strip()
    s = block.s
    if not s:
        question.qtype = "essay"
    elif s.startswith("#"):
        _numerical(question, block.part(1), line)
    elif "~" in s:
        _multichoice(question, block, line)
    elif "=" in s and "->" in s:
        _matching(question, block, line)
    else:
        head = s.split("#", 1)[0].strip()
        if head in _TRUE + _FALSE:
            _truefalse(question, block, head in _TRUE)
        elif head.upper() in _TRUE + _FALSE:
            raise _Refused(
                f"true/false is written T, TRUE, F or FALSE in capitals, not '{head}' "
                f"(write {{={head}}} for a short answer).",
                block.line,
            )
        else:
            _shortanswer(question, block, line)


def _fraction(piece: _Span, default: float, *, negative: bool) -> tuple[float, _Span]:
    """A leading weight `%50%` as a fraction (default without one), and what follows it."""
    piece = piece.strip()
    match = _WEIGHT.match(piece.s)
    if not match:
        return default, piece
    raw = match.group(1)
    try:
        percent = float(raw)
    except ValueError:
        raise _Refused(
            f"weight %{raw}% is not a number (write e.g. %50% or %33.33333%).", piece.line
        ) from None
    if not -100 <= percent <= 100:
        raise _Refused(f"weight {raw}% is outside -100%..100%.", piece.line)
    if percent < 0 and not negative:
        raise _Refused(f"weight {raw}%: only multiple-choice answers can be negative.", piece.line)
    nearest = min(GRADES, key=lambda grade: abs(percent / 100 - grade))
    if abs(percent / 100 - nearest) >= GRADE_TOLERANCE:
        raise _Refused(
            f"weight {raw}% is not one of the grades Moodle allows "
            f"(nearest: {_percent(float(nearest))}%).",
            piece.line,
        )
    return float(nearest), piece.part(match.end()).strip()


def _text_and_feedback(piece: _Span, fmt: str) -> tuple[str, str]:
    text, feedback = piece.cut("#")
    answer = _with_format(text.s, fmt, text.line)[1]
    if feedback is None:
        return answer, ""
    return answer, _with_format(feedback.s, fmt, feedback.line)[1]


def _listed(block: _Span) -> list[_Span]:
    """The `=` answers of a block, and the text before the first `=` when there is some (Moodle
    takes it as an answer too: `{One}` is a short answer)."""
    pieces = block.split("=")
    items = [piece for _, piece in pieces[1:]]
    if pieces[0][1].s.strip():
        items.insert(0, pieces[0][1])
    return items


def _needs_full_marks(choices: list[Choice], line: int) -> None:
    if max(choice.fraction for choice in choices) != 1.0:
        raise _Refused("one answer must be worth 100% (no answer is fully correct).", line)


def _multichoice(question: ParsedQuestion, block: _Span, line: int) -> None:
    pieces = block.split("~=")
    if pieces[0][1].s.strip():
        raise _Refused(
            "text before the first answer: each answer starts with = (right) or ~ (wrong).",
            pieces[0][1].line,
        )
    answers = pieces[1:]
    pairs = [piece for marker, piece in answers if marker == "="]
    if len(pairs) >= 2 and all("->" in piece.s for piece in pairs):
        raise _Refused(
            "matching pairs (=question -> answer) mixed with ~ answers: a matching question has "
            "only = pairs (an extra wrong answer is written '= -> answer').",
            line,
        )
    single = bool(pairs)
    question.qtype = "single" if single else "multiple"
    for marker, piece in answers:
        fraction, rest = _fraction(piece, 1.0 if marker == "=" else 0.0, negative=True)
        text, feedback = _text_and_feedback(rest, question.text_format)
        if not text:
            raise _Refused(f"an empty answer after '{marker}'.", piece.line)
        question.choices.append(Choice(text=text, fraction=fraction, feedback=feedback))
    if len(question.choices) < 2:
        raise _Refused("a multiple choice question needs at least two answers.", line)
    if single:
        _needs_full_marks(question.choices, line)
        return
    total = sum(choice.fraction for choice in question.choices if choice.fraction > 0)
    if total == 0:
        raise _Refused(
            "no correct answer: mark it with = or give the right answers weights "
            "that add up to 100% (~%50%...).",
            line,
        )
    if round(total, 2) != 1.0:
        raise _Refused(
            f"the positive weights must add up to 100% (they add up to {_percent(total)}%).",
            line,
        )


def _truefalse(question: ParsedQuestion, block: _Span, is_true: bool) -> None:
    # Moodle: {ANSWER#feedback for a wrong answer#feedback for a right answer}.
    _, *feedbacks = block.s.split("#", 2)
    feedbacks += ["", ""]
    fmt = question.text_format
    wrong = _with_format(feedbacks[0], fmt, block.line)[1]
    right = _with_format(feedbacks[1], fmt, block.line)[1]
    question.qtype = "truefalse"
    question.choices = [
        Choice(text="true", fraction=1.0 if is_true else 0.0, feedback=right if is_true else wrong),
        Choice(
            text="false", fraction=0.0 if is_true else 1.0, feedback=wrong if is_true else right
        ),
    ]


def _shortanswer(question: ParsedQuestion, block: _Span, line: int) -> None:
    question.qtype = "shortanswer"
    for piece in _listed(block):
        fraction, rest = _fraction(piece, 1.0, negative=False)
        text, feedback = _text_and_feedback(rest, question.text_format)
        if not text:
            raise _Refused("an empty answer after '='.", piece.line)
        question.choices.append(Choice(text=text, fraction=fraction, feedback=feedback))
    _needs_full_marks(question.choices, line)


def _number(text: str, line: int) -> float:
    if not _NUMBER.fullmatch(text):
        raise _Refused(f"numerical answer '{text}' is not a number.", line)
    return float(text)


def _decimal(text: str, line: int) -> Decimal:
    _number(text, line)
    return Decimal(text)


def _numerical(question: ParsedQuestion, block: _Span, line: int) -> None:
    question.qtype = "numerical"
    answers, other = block.cut("~")
    for piece in _listed(answers):
        fraction, rest = _fraction(piece, 1.0, negative=False)
        text, feedback = _text_and_feedback(rest, question.text_format)
        choice = Choice(text="", fraction=fraction, feedback=feedback)
        if text == "*":
            choice.text = "*"
        elif text.find("..") > 0:
            low, high = (_decimal(part.strip(), piece.line) for part in text.split("..", 1))
            if low > high:
                raise _Refused(f"range {text}: the lower bound is above the upper one.", piece.line)
            # In decimal, so that 3.141..3.142 is exactly 3.1415:0.0005.
            choice.value, choice.tolerance = float((low + high) / 2), float((high - low) / 2)
        elif text.find(":") > 0:
            value, tolerance = text.split(":", 1)
            choice.value = _number(value.strip(), piece.line)
            choice.tolerance = _number(tolerance.strip(), piece.line)
            if choice.tolerance < 0:
                raise _Refused(f"numerical answer '{text}': the tolerance is negative.", piece.line)
        else:
            choice.value = _number(text, piece.line)
        question.choices.append(choice)
    if not question.choices:
        raise _Refused("a numerical question needs an answer ({#number}).", line)
    if other is not None:
        before, feedback = other.cut("#")
        if before.s.strip():
            raise _Refused(
                "in a numerical question '~' starts the feedback for any other answer: "
                "write ~#feedback.",
                other.line,
            )
        text = _with_format(feedback.s, question.text_format, feedback.line)[1] if feedback else ""
        question.choices.append(Choice(text="*", fraction=0.0, feedback=text))
    _needs_full_marks(question.choices, line)


def _matching(question: ParsedQuestion, block: _Span, line: int) -> None:
    question.qtype = "matching"
    for piece in _listed(block):
        s = piece.strip().s
        arrow = s.find("->")
        if arrow < 0:
            raise _Refused(
                f"matching answer '{_plain(s)}' has no '->': write =question -> answer.",
                piece.line,
            )
        text = _with_format(s[:arrow], question.text_format, piece.line)[1]
        answer = _plain(s[arrow + 2 :])
        if not answer:
            raise _Refused("a matching pair needs an answer after '->'.", piece.line)
        question.pairs.append(MatchPair(question=text, answer=answer))
    if sum(1 for pair in question.pairs if pair.question) < 2 or len(question.pairs) < 3:
        raise _Refused(
            "a matching question needs at least two sub-questions and three answers "
            "(add an extra wrong answer with '= -> answer').",
            line,
        )


# Writing -------------------------------------------------------------------------------------


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _ESCAPED:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _text(text: str, fmt: str, *, always: bool = False) -> str:
    """A text for the file; with its format first when it could be read as a [format]."""
    prefix = f"[{fmt}]" if always or text.lstrip().startswith("[") else ""
    return prefix + _escape(text)


def _weighted(marker: str, fraction: float, text: str, default: float) -> str:
    # A text starting with "%" would be read as a weight: the weight is then always written.
    if fraction == default and not text.lstrip().startswith("%"):
        return marker
    return f"{marker}%{_percent(fraction)}%"


def _feedback(text: str, fmt: str) -> str:
    return "#" + _text(text, fmt) if text else ""


def _block(question: ParsedQuestion) -> str | None:
    fmt = question.text_format
    general = f"####{_text(question.general_feedback, fmt)}" if question.general_feedback else ""
    lines: list[str] = []
    if question.qtype == "description":
        return None
    if question.qtype == "essay":
        return "{" + general + "}"
    if question.qtype == "truefalse":
        true, false = question.choices
        is_true = true.fraction > false.fraction
        right, wrong = (true, false) if is_true else (false, true)
        answer = "TRUE" if is_true else "FALSE"
        if wrong.feedback or right.feedback:
            answer += "#" + _text(wrong.feedback, fmt)
        if right.feedback:
            answer += "#" + _text(right.feedback, fmt)
        return "{" + answer + general + "}"
    if question.qtype in ("single", "multiple"):
        for choice in question.choices:
            if question.qtype == "single" and choice.fraction == 1.0:
                marker = _weighted("=", choice.fraction, choice.text, 1.0)
            else:
                marker = _weighted("~", choice.fraction, choice.text, 0.0)
            lines.append(marker + _text(choice.text, fmt) + _feedback(choice.feedback, fmt))
    elif question.qtype == "shortanswer":
        for choice in question.choices:
            marker = _weighted("=", choice.fraction, choice.text, 1.0)
            lines.append(marker + _text(choice.text, fmt) + _feedback(choice.feedback, fmt))
        # "=" and "->" in a block make a matching question; a lone answer can do without "=".
        # (On the "{" line, so that an answer starting with "//" is not a comment.)
        alone = len(lines) == 1 and question.choices[0].text.upper() not in _TRUE + _FALSE
        if alone and "->" in lines[0]:
            return "{" + lines[0][1:] + general + "}"
    elif question.qtype == "numerical":
        for index, choice in enumerate(question.choices):
            last = index == len(question.choices) - 1
            if choice.value is None and last and choice.fraction == 0:
                lines.append("~" + _feedback(choice.feedback, fmt))
                continue
            if choice.value is None:
                answer = "*"
            else:
                answer = _num(choice.value)
                if choice.tolerance:
                    answer += ":" + _num(choice.tolerance)
            marker = _weighted("=", choice.fraction, answer, 1.0)
            lines.append(marker + answer + _feedback(choice.feedback, fmt))
    elif question.qtype == "matching":
        for pair in question.pairs:
            lines.append(f"={_text(pair.question, fmt)} -> {_escape(pair.answer)}")
    else:
        raise ValueError(f"unknown question type {question.qtype!r}")
    if general:
        lines.append(general)
    opening = "{#" if question.qtype == "numerical" else "{"
    return opening + "\n" + "".join(f"    {line}\n" for line in lines) + "}"


def _meta(text: str) -> str:
    return " ".join(text.split()).replace("]", "\\]")


def _write_question(question: ParsedQuestion) -> str:
    lines = []
    if question.idnumber:
        lines.append(f"// [id:{_meta(question.idnumber)}]")
    if question.tags:
        lines.append("// " + " ".join(f"[tag:{_meta(tag)}]" for tag in question.tags))
    head = f"::{_escape(question.name)}::" if question.name else ""
    head += _text(question.text, question.text_format, always=True)
    block = _block(question)
    lines.append(head + (block or ""))
    return "\n".join(lines)


def write_gift(questions: list[ParsedQuestion]) -> str:
    parts = []
    current = ""
    for question in questions:
        if question.category != current:
            current = question.category
            path = current.replace("\n", " ")
            parts.append("$CATEGORY: $course$/top" + (f"/{path}" if path else ""))
        parts.append(_write_question(question))
    return "\n\n".join(parts) + "\n" if parts else ""
