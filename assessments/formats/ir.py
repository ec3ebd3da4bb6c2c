"""What an imported or exported question file means, independent of its format and of Django.

The GIFT and Moodle XML readers produce a `ParseResult`; the writers take a list of
`ParsedQuestion`. The question bank turns a `ParsedQuestion` into a Question and back, so the
readers and writers never touch the database and are tested on their own.

Question types (the `qtype` values), as in Moodle:

- "single": multiple choice, one answer. `choices` with fractions (1.0 for the right one).
- "multiple": multiple choice, several answers. Fractions of the right ones add up to 1.0; wrong
  ones may be negative (Moodle's "negative fractions"), never below -1.0.
- "truefalse": exactly two choices, text "true" then "false"; the right one has fraction 1.0.
  A choice's feedback is shown to whoever picked it.
- "shortanswer": `choices` are accepted patterns (`*` is a wildcard) with fractions;
  `case_sensitive` says how to compare.
- "numerical": `choices` carry `value` and `tolerance` (an accepted range is value ± tolerance)
  with fractions.
- "matching": `pairs` of (question, answer); a pair with an empty question is an extra wrong
  answer (a distractor).
- "essay": no choices; graded by a trainer.
- "description": text only, no answer, no mark.

Text formats (`text_format`): "moodle" (Moodle's auto-format: HTML allowed, line breaks kept),
"html", "markdown", "plain". Answers and feedback use the question's format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

QTYPES = (
    "single",
    "multiple",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
)
TEXT_FORMATS = ("moodle", "html", "markdown", "plain")


@dataclass
class Choice:
    text: str = ""
    fraction: float = 0.0  # -1.0 .. 1.0
    feedback: str = ""
    value: float | None = None  # numerical only
    tolerance: float = 0.0  # numerical only


@dataclass
class MatchPair:
    question: str  # "" for a distractor
    answer: str


@dataclass
class ParsedQuestion:
    qtype: str
    text: str
    name: str = ""
    text_format: str = "moodle"
    general_feedback: str = ""
    choices: list[Choice] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    case_sensitive: bool = False
    shuffle: bool = True
    default_mark: float = 1.0
    category: str = ""  # "Parent/Child" path; "" when the file names none
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    # Where it came from, for messages: the first line of a GIFT question, or the 1-based
    # position of a <question> element in a Moodle XML file.
    line: int | None = None
    position: int | None = None


@dataclass
class ParseError:
    message: str
    line: int | None = None
    position: int | None = None

    def as_dict(self) -> dict:
        where = {"line": self.line} if self.line is not None else {"position": self.position}
        return {**where, "message": self.message}


@dataclass
class Unsupported:
    """A question of a type Readyline does not support: reported, never silently dropped."""

    qtype: str
    name: str = ""
    line: int | None = None
    position: int | None = None

    def as_dict(self) -> dict:
        where = {"line": self.line} if self.line is not None else {"position": self.position}
        return {"type": self.qtype, "name": self.name, **where}


@dataclass
class ParseResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # in order of first appearance
    errors: list[ParseError] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict:
        """The dry-run report of `manage.py import_questions` (one JSON object)."""
        by_type: dict[str, int] = {}
        for question in self.questions:
            by_type[question.qtype] = by_type.get(question.qtype, 0) + 1
        return {
            "questions": len(self.questions),
            "by_type": by_type,
            "categories": self.categories,
            "errors": [error.as_dict() for error in self.errors],
            "unsupported": [item.as_dict() for item in self.unsupported],
        }
