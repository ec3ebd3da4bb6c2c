"""Question files in and out of the bank: GIFT and Moodle XML.

An import is two steps. `questions_import_parse` reads a file (nothing is written) and adds the
bank's own checks to what the reader found, so the preview shows every problem at once.
`questions_import_apply` then writes ALL the questions of a result without errors in one
transaction, or nothing: a file with one bad question is refused as a whole, so a trainer never
has to find out which half of a file was imported.

`parsed_to_question` and `question_to_parsed` convert between the file-format-neutral
`ParsedQuestion` (assessments.formats.ir) and the bank: fractions are shares (-1..1) in files and
percentages in QuestionAnswer rows; true/false is two rows "true" and "false"; a matching pair is
a row `text` -> `match` (a distractor has text ""); tags are the comma separated keywords.

Category paths are Moodle's: "Parent/Child", with a "/" inside a name written "//".
"""

from __future__ import annotations

import codecs
import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.records.services import audit_record

from ..formats.ir import Choice, MatchPair, ParsedQuestion, ParseError, ParseResult
from ..models import QType, Question, QuestionAnswer, QuestionCategory, QuestionVersion
from .bank import question_snapshot, question_version_ensure

FORMATS = ("gift", "moodlexml")
# Where questions go when neither the file nor the trainer names a category.
DEFAULT_CATEGORY = "Imported"

_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # "//" is a "/" inside a name
_NAME_MAX = Question._meta.get_field("name").max_length
_FIELD_LIMITS = {
    "idnumber": Question._meta.get_field("idnumber").max_length,
    "keywords": Question._meta.get_field("keywords").max_length,
    "match": QuestionAnswer._meta.get_field("match").max_length,
    "category": QuestionCategory._meta.get_field("name").max_length,
}
_MAX_MARK = Decimal("9999.99")  # Question.default_mark: 6 digits, 2 decimals
_MAX_TOLERANCE = Decimal("99999999")  # QuestionAnswer.tolerance: 14 digits, 6 decimals


class ImportRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ImportReport:
    questions: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    categories_created: list[str] = field(default_factory=list)
    question_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.questions,
            "created_by_type": self.by_type,
            "categories_created": self.categories_created,
        }


# Category paths ------------------------------------------------------------------------------


def path_names(path: str) -> list[str]:
    """ "A/B//C" -> ["A", "B/C"] (Moodle's escaping of "/" inside a name)."""
    if not path:
        return []
    names = [name.replace("//", "/").strip() for name in _SEPARATOR.split(path)]
    return [name for name in names if name]


def path_join(names: Iterable[str]) -> str:
    return "/".join(name.replace("/", "//") for name in names)


def _join(*paths: str) -> str:
    return "/".join(path for path in paths if path)


def category_paths() -> dict[int, str]:
    """Every category's path, from one query (QuestionCategory.path costs one per level)."""
    rows = {pk: (parent, name) for pk, parent, name in _category_rows()}
    paths: dict[int, str] = {}

    def path_of(pk: int, seen: frozenset = frozenset()) -> str:
        if pk not in paths:
            parent, name = rows[pk]
            names = [name.replace("/", "//")]
            if parent is not None and parent in rows and parent not in seen:
                names.insert(0, path_of(parent, seen | {pk}))
            paths[pk] = "/".join(names)
        return paths[pk]

    for pk in rows:
        path_of(pk)
    return paths


def _category_rows():
    return QuestionCategory.objects.values_list("pk", "parent_id", "name")


def categories_missing(paths: Iterable[str]) -> list[str]:
    """The paths (in the given order) that do not name an existing category."""
    existing = {tuple(path_names(path)) for path in category_paths().values()}
    return [path for path in paths if path and tuple(path_names(path)) not in existing]


class _Categories:
    """Finds or creates the categories of an import, each path once."""

    def __init__(self, info: dict | None = None):
        self.by_path: dict[tuple[str, ...], QuestionCategory] = {}
        self.created: list[str] = []
        self.info = info or {}

    def get(self, path: str) -> QuestionCategory:
        names = tuple(path_names(path)) or (DEFAULT_CATEGORY,)
        if names in self.by_path:
            return self.by_path[names]
        parent = None
        for depth in range(1, len(names) + 1):
            key = names[:depth]
            if key not in self.by_path:
                category, created = QuestionCategory.objects.get_or_create(
                    parent=parent, name=names[depth - 1]
                )
                if created:
                    self.created.append(path_join(key))
                    extra = self.info.get(path_join(key))
                    if extra is not None and getattr(extra, "info", ""):
                        category.info = extra.info
                        category.save(update_fields=["info"])
                self.by_path[key] = category
            parent = self.by_path[key]
        return parent


# Rules a question must satisfy (the admin form applies the same ones) ------------------------


def answer_rule_errors(*, qtype: str, answers: list[dict]) -> list[str]:
    """Moodle's editing-form rules for a question's answer rows, as messages.

    `answers`: dicts with text, fraction (a share, -1..1), match and tolerance (as in a
    version's content); rows that are entirely empty must have been left out."""
    texts = [str(a.get("text") or "").strip() for a in answers]
    fractions = [float(a.get("fraction") or 0) for a in answers]
    if qtype in (QType.ESSAY, QType.DESCRIPTION):
        return [_("This type of question has no answers; remove them.")] if answers else []
    if qtype == QType.MATCHING:
        return _matching_errors(answers)
    errors = []
    for number, (text, fraction) in enumerate(zip(texts, fractions, strict=True), start=1):
        if not text:
            errors.append(_("Answer %(n)s has a grade but no text.") % {"n": number})
        if not -1 <= fraction <= 1:
            errors.append(
                _("Answer %(n)s: a grade must be between -100%% and 100%%.") % {"n": number}
            )
    if qtype == QType.TRUEFALSE:
        if sorted(texts) != ["false", "true"]:
            return [
                *errors,
                _('A true/false question has exactly two answers: "true" and "false".'),
            ]
        if sorted(fractions) != [0.0, 1.0]:
            errors.append(_("Exactly one of true and false must be worth 100%."))
        return errors
    if qtype in (QType.SINGLE, QType.MULTIPLE) and len(answers) < 2:
        return [*errors, _("A multiple choice question needs at least two answers.")]
    if qtype == QType.MULTIPLE:
        total = sum(f for f in fractions if f > 0)
        if round(total, 2) != 1.0:
            errors.append(
                _("The positive grades must add up to 100%% (they add up to %(total)s%%).")
                % {"total": percent_text(total)}
            )
        return errors
    if qtype in (QType.SHORTANSWER, QType.NUMERICAL) and not answers:
        return [*errors, _("Give at least one answer worth 100%.")]
    if not fractions or max(fractions) != 1.0:
        errors.append(_("One answer must be worth 100% (no answer is fully correct)."))
    if qtype == QType.NUMERICAL:
        for number, (text, answer) in enumerate(zip(texts, answers, strict=True), start=1):
            if text and text != "*" and _number(text) is None:
                errors.append(
                    _('Answer %(n)s: "%(text)s" is not a number (nor "*" for any answer).')
                    % {"n": number, "text": text}
                )
            if float(answer.get("tolerance") or 0) < 0:
                errors.append(_("Answer %(n)s: the tolerance cannot be negative.") % {"n": number})
    return errors


def _matching_errors(answers: list[dict]) -> list[str]:
    errors = []
    for number, answer in enumerate(answers, start=1):
        if not str(answer.get("match") or "").strip():
            errors.append(_("Row %(n)s needs a matching answer.") % {"n": number})
    subquestions = sum(1 for a in answers if str(a.get("text") or "").strip())
    if subquestions < 2 or len(answers) < 3:
        errors.append(
            _(
                "A matching question needs at least two sub-questions and three answers (a row "
                "with an answer but no question is an extra wrong answer)."
            )
        )
    return errors


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


def percent_text(share: float) -> str:
    """A share as the percentage a trainer reads: 1/3 -> "33.33333", 1.0 -> "100"."""
    text = f"{share * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# Conversion ----------------------------------------------------------------------------------


def _mark(value: float) -> Decimal:
    # As the database gives it back (2 places), so that snapshots of a question read back from
    # the database and of the one just created are equal.
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _percent(share: float) -> Decimal:
    return Decimal(str(round(share * 100, 5)))


def _numeric_text(choice: Choice) -> str:
    if choice.value is None:
        return "*"
    if choice.text and _number(choice.text) == choice.value:
        return choice.text
    text = repr(float(choice.value))
    return text[:-2] if text.endswith(".0") else text


def _answer_rows(parsed: ParsedQuestion) -> list[dict]:
    """The QuestionAnswer fields of a parsed question's answers, in order (fraction as share)."""
    if parsed.qtype == QType.MATCHING:
        return [{"text": p.question, "match": p.answer, "fraction": 0.0} for p in parsed.pairs]
    if parsed.qtype in (QType.ESSAY, QType.DESCRIPTION):
        return []
    choices = parsed.choices
    if parsed.qtype == QType.TRUEFALSE:
        # Moodle files say "true"/"false"; the reader puts true first.
        choices = sorted(choices, key=lambda c: c.text.strip().lower() != "true")
        return [
            {"text": name, "fraction": c.fraction, "feedback": c.feedback}
            for name, c in zip(("true", "false"), choices, strict=False)
        ]
    rows = []
    for choice in choices:
        row = {"text": choice.text, "fraction": choice.fraction, "feedback": choice.feedback}
        if parsed.qtype == QType.NUMERICAL:
            row.update(text=_numeric_text(choice), tolerance=choice.tolerance)
        rows.append(row)
    return rows


def _question_name(parsed: ParsedQuestion) -> str:
    name = " ".join((parsed.name or "").split())
    if not name:
        name = " ".join(re.sub(r"<[^>]*>", " ", parsed.text).split()) or parsed.qtype
    return name if len(name) <= _NAME_MAX else name[: _NAME_MAX - 1].rstrip() + "…"


def parsed_to_question(
    *, parsed: ParsedQuestion, category: QuestionCategory, actor=None
) -> Question:
    """Save a Question and its answer rows (no version: the caller ensures it)."""
    is_description = parsed.qtype == QType.DESCRIPTION
    question = Question.objects.create(
        category=category,
        qtype=parsed.qtype,
        name=_question_name(parsed),
        text=parsed.text,
        text_format=parsed.text_format,
        general_feedback=parsed.general_feedback,
        default_mark=Decimal(0) if is_description else _mark(parsed.default_mark),
        shuffle_answers=parsed.shuffle,
        case_sensitive=parsed.case_sensitive,
        idnumber=parsed.idnumber,
        keywords=", ".join(parsed.tags),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    QuestionAnswer.objects.bulk_create(
        QuestionAnswer(
            question=question,
            sort_order=order,
            text=row["text"],
            fraction=_percent(row.get("fraction", 0.0)),
            feedback=row.get("feedback", ""),
            tolerance=Decimal(str(row.get("tolerance", 0.0))),
            match=row.get("match", ""),
        )
        for order, row in enumerate(_answer_rows(parsed))
    )
    return question


def question_to_parsed(
    question_or_version: Question | QuestionVersion, *, paths: dict[int, str] | None = None
) -> ParsedQuestion:
    """A question as it is now, or one of its versions, for the writers. `paths` (from
    `category_paths()`) saves the category queries when exporting many."""
    if isinstance(question_or_version, QuestionVersion):
        question, content = question_or_version.question, question_or_version.content
    else:
        question, content = question_or_version, question_snapshot(question_or_version)
    paths = paths if paths is not None else category_paths()
    parsed = ParsedQuestion(
        qtype=content["qtype"],
        text=content["text"],
        name=content["name"],
        text_format=content["text_format"],
        general_feedback=content["general_feedback"],
        case_sensitive=content["case_sensitive"],
        shuffle=content["shuffle"],
        default_mark=float(content["default_mark"]),
        category=paths.get(question.category_id, ""),
        idnumber=question.idnumber,
        tags=[tag.strip() for tag in question.keywords.split(",") if tag.strip()],
    )
    answers = content["answers"]
    if parsed.qtype == QType.MATCHING:
        parsed.pairs = [MatchPair(question=a["text"], answer=a["match"]) for a in answers]
    elif parsed.qtype == QType.TRUEFALSE:
        by_text = {a["text"]: a for a in answers}
        parsed.choices = [
            Choice(
                text=name, fraction=by_text[name]["fraction"], feedback=by_text[name]["feedback"]
            )
            for name in ("true", "false")
            if name in by_text
        ]
    elif parsed.qtype not in (QType.ESSAY, QType.DESCRIPTION):
        for a in answers:
            choice = Choice(text=a["text"], fraction=a["fraction"], feedback=a["feedback"])
            if parsed.qtype == QType.NUMERICAL:
                choice.tolerance = a["tolerance"]
                choice.value = None if a["text"].strip() == "*" else _number(a["text"])
            parsed.choices.append(choice)
    return parsed


# Import --------------------------------------------------------------------------------------


def _decode_gift(data: bytes) -> tuple[str | None, ParseError | None]:
    """GIFT files come as UTF-8 (with or without a BOM) or, from Chinese hospitals' Windows
    machines, as GBK."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        return data.decode("gbk"), None
    except UnicodeDecodeError:
        line = data[: utf8_error.start].count(b"\n") + 1
        message = _(
            "The file is neither UTF-8 nor GBK text (the first unreadable character is on "
            "line %(line)s). Save it as UTF-8 and upload it again."
        ) % {"line": line}
        return None, ParseError(message, line=line)


def _bank_errors(parsed: ParsedQuestion) -> list[str]:
    """What the bank refuses in a question the reader accepted."""
    rows = _answer_rows(parsed)
    errors = answer_rule_errors(qtype=parsed.qtype, answers=rows)
    if len(parsed.idnumber) > _FIELD_LIMITS["idnumber"]:
        errors.append(
            _("The ID number is longer than %(max)s characters.")
            % {"max": _FIELD_LIMITS["idnumber"]}
        )
    if len(", ".join(parsed.tags)) > _FIELD_LIMITS["keywords"]:
        errors.append(
            _("The tags are longer than %(max)s characters together.")
            % {"max": _FIELD_LIMITS["keywords"]}
        )
    if any(len(row.get("match", "")) > _FIELD_LIMITS["match"] for row in rows):
        errors.append(
            _("A matching answer is longer than %(max)s characters.")
            % {"max": _FIELD_LIMITS["match"]}
        )
    if parsed.qtype != QType.DESCRIPTION and abs(Decimal(str(parsed.default_mark))) > _MAX_MARK:
        errors.append(_("The default mark is above %(max)s.") % {"max": _MAX_MARK})
    if any(abs(Decimal(str(row.get("tolerance", 0)))) > _MAX_TOLERANCE for row in rows):
        errors.append(_("A tolerance is above %(max)s.") % {"max": _MAX_TOLERANCE})
    if any(len(name) > _FIELD_LIMITS["category"] for name in path_names(parsed.category)):
        errors.append(
            _("A category name is longer than %(max)s characters.")
            % {"max": _FIELD_LIMITS["category"]}
        )
    return errors


def _put_under(result: ParseResult, base: str) -> None:
    """Prefix every category of `result` with `base`. Done here rather than by the readers,
    because the trainer's category is a folder for the whole file, its own categories included
    (Moodle puts a file's categories at the top of the course instead)."""
    names = path_names(base)
    if not names or not (result.questions or result.categories):
        return
    base = path_join(names)
    for parsed in result.questions:
        parsed.category = _join(base, parsed.category)
    paths = [path_join(names[:depth]) for depth in range(1, len(names) + 1)]
    paths += [_join(base, path) for path in result.categories]
    result.categories = list(dict.fromkeys(paths))
    info = getattr(result, "category_info", None)
    if info:
        result.category_info = {_join(base, path): value for path, value in info.items()}


def questions_import_parse(*, data: bytes, fmt: str, category: str = "") -> ParseResult:
    """Read a question file; nothing is written. `category` is a base path: the file's own
    categories go under it, and questions before the file names one go into it."""
    if fmt == "gift":
        from ..formats.gift import parse_gift

        text, problem = _decode_gift(data)
        if problem is not None:
            return ParseResult(errors=[problem])
        result = parse_gift(text)
    elif fmt == "moodlexml":
        from ..formats.moodlexml import parse_moodlexml

        result = parse_moodlexml(data)
    else:
        raise ValueError(f"Unknown question file format {fmt!r}; use one of {FORMATS}.")
    _put_under(result, category)
    for parsed in result.questions:
        label = _question_name(parsed)
        for message in _bank_errors(parsed):
            result.errors.append(
                ParseError(f'"{label}": {message}', line=parsed.line, position=parsed.position)
            )
    result.errors.sort(key=lambda e: (e.line or 0, e.position or 0))
    return result


def questions_import_apply(
    *, result: ParseResult, actor, base_category: str = "", ip: str | None = None
) -> ImportReport:
    """Write every question of `result`, or nothing (a result with errors is refused).

    `base_category` is put in front of every path; use it when the file was parsed without one.
    Questions that name no category go to "Imported" (under the base)."""
    if result.errors:
        raise ImportRefused(
            ngettext(
                "The file has %(count)s error; nothing was imported.",
                "The file has %(count)s errors; nothing was imported.",
                len(result.errors),
            )
            % {"count": len(result.errors)}
        )
    if not result.questions:
        raise ImportRefused(_("The file has no questions to import."))
    if base_category:
        result = copy.deepcopy(result)
        _put_under(result, base_category)
    report = ImportReport()
    with transaction.atomic():
        categories = _Categories(info=getattr(result, "category_info", None))
        for parsed in result.questions:
            category = categories.get(parsed.category)
            question = parsed_to_question(parsed=parsed, category=category, actor=actor)
            question_version_ensure(question=question, actor=actor)
            report.question_ids.append(question.pk)
            report.by_type[parsed.qtype] = report.by_type.get(parsed.qtype, 0) + 1
        report.questions = len(report.question_ids)
        report.categories_created = categories.created
        audit_record(
            action="questions.import",
            actor=actor,
            object_type=Question._meta.label_lower,
            after={
                **report.as_dict(),
                "unsupported_skipped": [item.as_dict() for item in result.unsupported],
            },
            ip=ip,
        )
    return report


# Export --------------------------------------------------------------------------------------


def questions_export(*, questions: Iterable[Question], fmt: str) -> bytes | str:
    """A GIFT (str) or Moodle XML (bytes) file of `questions`, grouped by category."""
    paths = category_paths()
    questions = list(questions)
    parsed = sorted(
        (question_to_parsed(q, paths=paths) for q in questions),
        key=lambda p: tuple(path_names(p.category)),
    )
    if fmt == "gift":
        from ..formats.gift import write_gift

        return write_gift(parsed)
    if fmt == "moodlexml":
        from ..formats.moodlexml import CategoryInfo, write_moodlexml

        described = {q.category_id for q in questions}
        infos = {
            paths[pk]: CategoryInfo(info=info)
            for pk, info in QuestionCategory.objects.filter(pk__in=described)
            .exclude(info="")
            .values_list("pk", "info")
        }
        return write_moodlexml(parsed, categories=infos)
    raise ValueError(f"Unknown question file format {fmt!r}; use one of {FORMATS}.")


def questions_for_export(queryset):
    """Prefetch what `question_to_parsed` reads (answers), keeping the export's query count
    independent of the number of questions."""
    return queryset.prefetch_related("answers")
