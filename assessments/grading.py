"""Grading one response against a question version's content: pure functions, no database.

`content` is a version snapshot (assessments.services.bank.question_snapshot); responses have
the shapes listed in var/EXAMS_API.md. The semantics follow Moodle's question types:

- single / truefalse: the fraction of the chosen answer (may be negative: a penalty);
- multiple: the sum of the chosen answers' fractions, clamped to 0..1;
- shortanswer: the first answer (in editor order) whose pattern matches the trimmed response;
  `*` is a wildcard, `\\*` a literal asterisk; case-insensitive unless `case_sensitive`;
- numerical: the first answer with |response - value| <= tolerance; an answer "*" accepts any
  number; "1,5" is read as 1.5 (decimal comma); text that is not a number scores 0;
- matching: right subquestions / subquestions (rows with a question text; rows without one
  only add wrong choices to the dropdowns, as Moodle's distractors do);
- essay: None (a trainer grades it) unless the response is empty, which scores 0 as in
  Moodle ("not answered" needs no trainer);
- description: None (never graded; its mark is 0).

An unanswered question (response None) scores 0.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

CHOICE_TYPES = ("single", "truefalse")
TEXT_TYPES = ("shortanswer", "numerical", "essay")
# Generous limits: they only stop a runaway client from filling the database.
MAX_TEXT = {"shortanswer": 1000, "numerical": 100, "essay": 100_000}


def response_fraction(content: dict, response: dict | None) -> float | None:
    """The share of the mark (None: needs a trainer, or not graded at all)."""
    qtype = content["qtype"]
    if qtype == "description":
        return None
    if qtype == "essay":
        text = (response or {}).get("text") or ""
        return None if text.strip() else 0.0
    if response is None:
        return 0.0
    grade = _GRADERS[qtype]
    return float(grade(content, response))


def _single(content: dict, response: dict) -> float:
    return float(content["answers"][response["choice"]]["fraction"])


def _multiple(content: dict, response: dict) -> float:
    answers = content["answers"]
    total = sum(float(answers[i]["fraction"]) for i in set(response["choices"]))
    return min(1.0, max(0.0, total))


def wildcard_match(pattern: str, text: str, *, case_sensitive: bool) -> bool:
    """Moodle's short-answer comparison: the whole (trimmed) text against the pattern."""
    parts = re.split(r"(?<!\\)\*", pattern.strip())
    regex = ".*".join(re.escape(part.replace("\\*", "*")) for part in parts)
    flags = re.DOTALL | (0 if case_sensitive else re.IGNORECASE)
    return re.fullmatch(regex, text.strip(), flags) is not None


def _shortanswer(content: dict, response: dict) -> float:
    index = response_answer(content, response)
    return float(content["answers"][index]["fraction"]) if index is not None else 0.0


def number_parse(text: str) -> Decimal | None:
    """A number typed by a learner, or None. "1,5" is 1.5; with a point present, or with
    several commas ("1,000,000"), commas separate thousands."""
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _numerical(content: dict, response: dict) -> float:
    index = response_answer(content, response)
    return float(content["answers"][index]["fraction"]) if index is not None else 0.0


def response_answer(content: dict, response) -> int | None:
    """For a typed answer (short answer, numerical): the index of the answer row it matches,
    the first in editor order as Moodle takes it, or None. Grading takes that row's fraction;
    the review shows that row's feedback."""
    text = response.get("text") if isinstance(response, dict) else None
    if not isinstance(text, str) or not text.strip():
        return None
    if content["qtype"] == "shortanswer":
        case_sensitive = bool(content.get("case_sensitive"))
        for index, answer in enumerate(content["answers"]):
            if wildcard_match(answer["text"], text, case_sensitive=case_sensitive):
                return index
        return None
    if content["qtype"] != "numerical":
        return None
    value = number_parse(text)
    if value is None:
        return None  # not a number: no answer matches, not even "*"
    for index, answer in enumerate(content["answers"]):
        if answer["text"].strip() == "*":
            return index
        expected = number_parse(answer["text"])
        if expected is None:
            continue
        # Decimal, so 5 ± 0.5 accepts 5.5 exactly (floats would make that a coin toss).
        tolerance = abs(Decimal(str(answer.get("tolerance") or 0)))
        if abs(value - expected) <= tolerance:
            return index
    return None


def matching_subquestions(content: dict) -> list[int]:
    """Indexes of the answer rows that are subquestions (the others are distractors)."""
    return [i for i, answer in enumerate(content["answers"]) if answer["text"].strip()]


def _matching(content: dict, response: dict) -> float:
    answers = content["answers"]
    subquestions = matching_subquestions(content)
    if not subquestions:
        return 0.0
    chosen = response.get("matches") or {}
    right = 0
    for i in subquestions:
        j = chosen.get(str(i))
        if j is not None and answers[j]["match"] == answers[i]["match"]:
            right += 1
    return right / len(subquestions)


_GRADERS = {
    "single": _single,
    "truefalse": _single,
    "multiple": _multiple,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
}


# ---------------------------------------------------------------------------------------------
# Validation of what a browser sent


def _index(value, count: int, what: str) -> int:
    # bool is an int in Python; JSON true must not pass for answer 1.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < count:
        raise ValueError(
            _("%(what)s must be an answer number between 0 and %(last)s.")
            % {"what": what, "last": count - 1}
        )
    return value


def _keys(response: dict, expected: str, qtype: str) -> None:
    if set(response) != {expected}:
        raise ValueError(
            _('A %(qtype)s answer must be {"%(key)s": ...}.') % {"qtype": qtype, "key": expected}
        )


def response_validate(content: dict, response) -> None:
    """Raise ValueError (with a message) when `response` does not fit the question type.
    None (no answer, or an answer cleared) always fits."""
    if response is None:
        return
    qtype = content["qtype"]
    if not isinstance(response, dict):
        raise ValueError(_("An answer must be a JSON object."))
    if qtype == "description":
        raise ValueError(_("A description is not answered."))
    count = len(content["answers"])
    if qtype in CHOICE_TYPES:
        _keys(response, "choice", qtype)
        _index(response["choice"], count, "choice")
    elif qtype == "multiple":
        _keys(response, "choices", qtype)
        choices = response["choices"]
        if not isinstance(choices, list):
            raise ValueError(_('"choices" must be a list.'))
        for choice in choices:
            _index(choice, count, "choices")
        if len(set(choices)) != len(choices):
            raise ValueError(_("An answer is chosen twice."))
    elif qtype in TEXT_TYPES:
        _keys(response, "text", qtype)
        if not isinstance(response["text"], str):
            raise ValueError(_('"text" must be a string.'))
        if len(response["text"]) > MAX_TEXT[qtype]:
            raise ValueError(
                _("The answer is too long (at most %(n)s characters).") % {"n": MAX_TEXT[qtype]}
            )
    elif qtype == "matching":
        _matching_validate(content, response)
    else:
        raise ValueError(_("Unknown question type %(qtype)s.") % {"qtype": qtype})


def _matching_validate(content: dict, response: dict) -> None:
    _keys(response, "matches", "matching")
    matches = response["matches"]
    if not isinstance(matches, dict):
        raise ValueError(_('"matches" must be an object.'))
    answers = content["answers"]
    subquestions = {str(i) for i in matching_subquestions(content)}
    for key, j in matches.items():
        if key not in subquestions:
            raise ValueError(_("%(key)s is not a subquestion.") % {"key": key})
        # null: the dropdown was set back to "Choose…".
        if j is not None and not answers[_index(j, len(answers), "match")]["match"].strip():
            raise ValueError(_("%(j)s is not a matching answer.") % {"j": j})
