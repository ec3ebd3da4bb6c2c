"""Moodle rules both readers share: the grade list and category paths."""

from __future__ import annotations

import re
from fractions import Fraction

from .ir import ParseResult

# Moodle's grade list (question_bank::fraction_options_full): p/q for q <= 6, p/10, 1/q for
# q <= 10, 1/20, their negatives, 0.
_POSITIVE = {Fraction(p, q) for q in range(1, 7) for p in range(1, q + 1)}
_POSITIVE |= {Fraction(p, 10) for p in range(1, 11)} | {Fraction(1, q) for q in range(1, 11)}
_POSITIVE.add(Fraction(1, 20))
GRADES = sorted(_POSITIVE | {-f for f in _POSITIVE} | {Fraction(0)})
# match_grade_options() accepts a fraction within 0.00001 of an allowed one: a weight that close
# to a listed grade is that exact fraction (so three 33.33333% add up to exactly 1).
GRADE_TOLERANCE = 0.00001

PHP_TRIM = " \t\n\r\0\x0b"  # what PHP's trim() removes (Moodle trims paths and texts so)
_CONTEXT_SEGMENT = re.compile(r"\$[A-Za-z0-9_]+\$")
PATH_SEPARATOR = re.compile(r"(?<!/)/(?!/)")  # "//" is a "/" inside a category name


def category_path(raw: str) -> str:
    """A Moodle category path without its context ($course$...) and `top` segments."""
    parts = [part.strip(PHP_TRIM) for part in PATH_SEPARATOR.split(raw.strip(PHP_TRIM))]
    parts = [part for part in parts if part]
    if parts and _CONTEXT_SEGMENT.fullmatch(parts[0]):
        parts.pop(0)
    if parts and parts[0] == "top":
        parts.pop(0)
    return "/".join(parts)


def category_join(base: str, path: str) -> str:
    """`path` from a file, under the category the importer chose (`--category`)."""
    return "/".join(part for part in (base, path) if part)


def categories_touch(result: ParseResult, path: str) -> None:
    """List `path` and its parents (parents first) in result.categories."""
    parts = PATH_SEPARATOR.split(path) if path else []
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if prefix not in result.categories:
            result.categories.append(prefix)
