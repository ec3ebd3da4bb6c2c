"""Proficiency score: how well a person uses the new HIS, as one number a trainer and HR can check.

Plain Python (no Django): the certification status table calls `proficiency_compute` with the
track's `Formula`, the person's `Evidence` (every attempt, excluded ones included) and a date.

The formula, as a trainer or an HR officer reads it
---------------------------------------------------
1. Every attempt gets a term (0 to 100):
   - knowledge exam: its percent;
   - practical exam: task accuracy (percent) x efficiency factor, where
     efficiency factor = floor + (1 - floor) x min(1, efficiency)   (floor 0.8 by default),
     so being slow costs at most 20% and being faster than the benchmark earns nothing extra;
     an attempt with no timing recorded gets factor 1 (we do not penalise what we did not measure);
   - any attempt with a critical failure (e.g. medication given to the wrong patient) scores 0.
2. Recent evidence counts more: an attempt's weight is 0.5 ^ (age in days / half-life), half-life
   180 days by default, so an attempt from half a year ago counts half as much as one from today.
3. Each kind (knowledge, practical) scores the weighted mean of its counted terms, rounded to
   1 decimal. A kind with no counted attempt scores 0 and is named as missing: the score is then
   not certifiable (`complete` is False).
4. Total = knowledge weight x knowledge score + practical weight x practical score
   (40% / 60% by default), rounded half-up to 1 decimal.
5. Level, read from that rounded total: Novice < 60 <= Competent < 75 <= Proficient < 90 <= Expert.

Nothing disappears: an attempt waiting for grading is listed as waiting, an excluded attempt is
listed with who excluded it and why; neither is counted, and both appear in `explain()`.

Rounding happens in two visible places only (kind scores and the total), on Decimals, so the
lines of `explain()` add up on a calculator. The function is pure and deterministic (attempts
are sorted, never taken in input order) and never raises for odd but well-typed evidence: no
attempts, all excluded, percent 0, efficiency None, negative or above 1, dates in the future.
A percent outside 0..100 is clamped, a NaN percent waits like an ungraded one (even with a
critical failure: the attempt counts, as 0, once it is graded), and naive datetimes are UTC.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

KNOWLEDGE = "knowledge"
PRACTICAL = "practical"
KINDS = (KNOWLEDGE, PRACTICAL)

WAITING = "waiting"
EXCLUDED = "excluded"

SECONDS_PER_DAY = 86400
ONE_DECIMAL = Decimal("0.1")
# Float arithmetic leaves noise like 76.44999999999999; snapping to 9 decimals first keeps
# half-up rounding honest at the .x5 boundary.
FLOAT_NOISE = Decimal("1e-9")


class FormulaError(ValueError):
    """A formula a trainer entered that cannot produce a meaningful score."""


@dataclass(frozen=True)
class Level:
    code: str
    minimum: float  # the lowest score (inclusive) at this level
    label_en: str
    label_zh: str

    def label(self, lang: str = "en") -> str:
        return self.label_zh if _is_zh(lang) else self.label_en


DEFAULT_LEVELS = (
    Level("novice", 0, "Novice", "新手"),
    Level("competent", 60, "Competent", "胜任"),
    Level("proficient", 75, "Proficient", "熟练"),
    Level("expert", 90, "Expert", "专家"),
)


def _default_weights() -> dict:
    return {KNOWLEDGE: 0.4, PRACTICAL: 0.6}


@dataclass(frozen=True)
class Formula:
    """One track's formula. Validated on creation, so a bad one never reaches a score."""

    weights: Mapping[str, float] = field(default_factory=_default_weights)
    half_life_days: float = 180
    efficiency_floor: float = 0.8
    levels: Sequence[Level] = DEFAULT_LEVELS

    def __post_init__(self):
        # Copies, so a caller mutating its dict later cannot change a computed score's formula.
        object.__setattr__(self, "weights", dict(self.weights))
        object.__setattr__(self, "levels", tuple(self.levels))
        _weights_validate(self.weights)
        if not self.half_life_days > 0:  # also refuses NaN
            raise FormulaError(f"half_life_days must be positive, got {self.half_life_days}")
        if not 0 <= self.efficiency_floor <= 1:
            raise FormulaError(f"efficiency_floor must be 0..1, got {self.efficiency_floor}")
        _levels_validate(self.levels)

    def weight(self, kind: str) -> float:
        return float(self.weights.get(kind, 0.0))


def _weights_validate(weights: dict) -> None:
    unknown = sorted(set(weights) - set(KINDS))
    if unknown:
        raise FormulaError(f"unknown evidence kinds in weights: {', '.join(unknown)}")
    for kind, weight in weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise FormulaError(f"weight of {kind} must be a non-negative number, got {weight}")
    total = sum(weights.values())
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise FormulaError(f"weights must sum to 1 (100%), they sum to {total:g}")


def _levels_validate(levels: tuple) -> None:
    if not levels:
        raise FormulaError("at least one level is needed")
    if levels[0].minimum != 0:
        # Otherwise a low score would have no level at all.
        raise FormulaError(f"the first level must start at 0, not {levels[0].minimum}")
    for lower, upper in zip(levels, levels[1:], strict=False):
        if not upper.minimum > lower.minimum:
            raise FormulaError(
                f"level thresholds must increase: {upper.code} ({upper.minimum}) "
                f"after {lower.code} ({lower.minimum})"
            )
    if levels[-1].minimum > 100:
        raise FormulaError(f"level {levels[-1].code} starts above 100: no one could reach it")
    codes = [level.code for level in levels]
    if len(set(codes)) != len(codes):
        raise FormulaError("level codes must be unique")


@dataclass(frozen=True)
class Evidence:
    """One exam attempt, as stored: nothing here is ever deleted, only excluded."""

    kind: str  # KNOWLEDGE or PRACTICAL
    attempt_id: int | str
    finished_at: datetime
    percent: float | None  # 0..100; None while waiting for grading
    passed: bool = False
    critical_failures: Sequence[str] = ()  # check ids; any → the attempt scores 0
    efficiency: float | None = None  # practical: min(1, benchmark / elapsed) from grading
    excluded: bool = False
    excluded_reason: str = ""
    excluded_by: str = ""
    label: str = ""  # the exam's title

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"evidence kind must be one of {KINDS}, got {self.kind!r}")
        object.__setattr__(self, "critical_failures", tuple(self.critical_failures))


@dataclass(frozen=True)
class AttemptLine:
    """One attempt in the breakdown: what it scored and why it counts (or not)."""

    evidence: Evidence
    number: int  # the Nth attempt at this exam (same kind and label), in time order
    age_days: float
    efficiency_factor: float | None  # practical attempts only
    term: float | None  # what the attempt scores, 0..100; None while waiting
    weight: float  # recency weight in its kind's mean; 0 when not counted
    counted: bool
    why_not: str | None  # WAITING or EXCLUDED when not counted

    @property
    def critical(self) -> bool:
        return bool(self.evidence.critical_failures)


@dataclass(frozen=True)
class KindScore:
    kind: str
    weight: float  # the kind's share of the total (0.4 for 40%)
    score: Decimal  # recency-weighted mean of the counted terms, 1 decimal; 0 when missing
    attempts: tuple[AttemptLine, ...]

    @property
    def counted(self) -> list[AttemptLine]:
        return [line for line in self.attempts if line.counted]

    @property
    def missing(self) -> bool:
        return not self.counted

    @property
    def contribution(self) -> Decimal:
        """weight x score, exact (the total rounds the sum of these once)."""
        return _decimal(self.weight) * self.score


@dataclass(frozen=True)
class Proficiency:
    score: Decimal  # 0.0..100.0, 1 decimal
    level: Level
    complete: bool  # every kind with a weight has counted evidence: certifiable
    kinds: tuple[KindScore, ...]
    levels: tuple[Level, ...]

    @property
    def missing(self) -> list[str]:
        return [kind.kind for kind in self.kinds if kind.weight > 0 and kind.missing]

    def kind(self, kind: str) -> KindScore:
        return next(entry for entry in self.kinds if entry.kind == kind)

    def explain(self, lang: str = "en") -> list[str]:
        """The lines answering "why is my score 82?", in English or Simplified Chinese
        ("zh", "zh-hans", ... : any code starting with zh)."""
        return _explain(self, TEXT["zh" if _is_zh(lang) else "en"])


def proficiency_compute(
    *, formula: Formula, evidence: Sequence[Evidence], as_of: datetime
) -> Proficiency:
    as_of = _aware(as_of)
    kinds = tuple(
        _kind_score(kind, formula, [item for item in evidence if item.kind == kind], as_of)
        for kind in KINDS
    )
    total = sum((kind.contribution for kind in kinds), Decimal(0))
    score = total.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    complete = all(not kind.missing for kind in kinds if kind.weight > 0)
    level = proficiency_level(score=score, levels=formula.levels)
    return Proficiency(score, level, complete, kinds, formula.levels)


def proficiency_level(*, score: Decimal, levels: Sequence[Level]) -> Level:
    """The highest level whose minimum the (rounded) score reaches."""
    reached = [level for level in levels if score >= _decimal(level.minimum)]
    return reached[-1] if reached else levels[0]


def _kind_score(kind: str, formula: Formula, items: list, as_of: datetime) -> KindScore:
    items = sorted(items, key=_chronological)
    numbers = _attempt_numbers(items)
    ages = [_age_days(item.finished_at, as_of) for item in items]
    counted = [_counts(item) for item in items]
    # Weights are taken relative to the newest counted attempt for the mean: the same result
    # mathematically, but a 50-year-old attempt cannot underflow every weight to 0.
    newest = min((age for age, ok in zip(ages, counted, strict=True) if ok), default=0.0)
    terms, mean_weights, lines = [], [], []
    for item, number, age, ok in zip(items, numbers, ages, counted, strict=True):
        factor = _efficiency_factor(item, formula) if kind == PRACTICAL else None
        term = _term(item, factor)
        weight = _recency(age, formula.half_life_days) if ok else 0.0
        why_not = None if ok else (EXCLUDED if item.excluded else WAITING)
        lines.append(AttemptLine(item, number, age, factor, term, weight, ok, why_not))
        if ok:
            terms.append(term)
            mean_weights.append(_recency(age - newest, formula.half_life_days))
    return KindScore(kind, formula.weight(kind), _weighted_mean(terms, mean_weights), tuple(lines))


def _counts(item: Evidence) -> bool:
    return not item.excluded and _grade(item.percent) is not None


def _term(item: Evidence, factor: float | None) -> float | None:
    percent = _grade(item.percent)
    if percent is None:
        return None
    if item.critical_failures:
        return 0.0
    return percent * factor if factor is not None else percent


def _grade(percent: float | None) -> float | None:
    """The percent clamped to 0..100; NaN (a grading bug) is treated as not graded yet."""
    if percent is None or math.isnan(percent):
        return None
    return min(100.0, max(0.0, float(percent)))


def _efficiency_factor(item: Evidence, formula: Formula) -> float:
    efficiency = item.efficiency
    if efficiency is None or math.isnan(efficiency):
        return 1.0
    floor = formula.efficiency_floor
    return floor + (1 - floor) * min(1.0, max(0.0, float(efficiency)))


def _recency(age_days: float, half_life_days: float) -> float:
    return 0.5 ** (age_days / half_life_days)


def _weighted_mean(terms: list, weights: list) -> Decimal:
    if not terms:
        return Decimal("0.0")
    mean = sum(t * w for t, w in zip(terms, weights, strict=True)) / sum(weights)
    return _decimal(mean).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _attempt_numbers(items: list) -> list[int]:
    seen: dict[str, int] = {}
    numbers = []
    for item in items:
        seen[item.label] = seen.get(item.label, 0) + 1
        numbers.append(seen[item.label])
    return numbers


def _chronological(item: Evidence) -> tuple:
    attempt_id = item.attempt_id
    # Ties on time are broken by id; ints and strings never compare with each other.
    id_key = (0, attempt_id, "") if isinstance(attempt_id, int) else (1, 0, str(attempt_id))
    return (_aware(item.finished_at), id_key)


def _age_days(finished_at: datetime, as_of: datetime) -> float:
    # A clock ahead of as_of makes an attempt "fresh", never worth more than one from today.
    return max(0.0, (as_of - _aware(finished_at)).total_seconds() / SECONDS_PER_DAY)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment


def _decimal(number: float) -> Decimal:
    return Decimal(repr(float(number))).quantize(FLOAT_NOISE, rounding=ROUND_HALF_UP)


def _is_zh(lang: str) -> bool:
    return (lang or "").lower().startswith("zh")


# --- explain(): the breakdown in words --------------------------------------------------------

TEXT = {
    "en": {
        "lang": "en",
        "kind": {KNOWLEDGE: "Knowledge", PRACTICAL: "Practical"},
        "kind_lower": {KNOWLEDGE: "knowledge", PRACTICAL: "practical"},
        "and": " and ",
        "list": ", ",
        "sep": "; ",
        "headline": "Proficiency score {score}: {level} ({band})",
        "band": "{low} to under {high}",
        "band_top": "{low} and above",
        "incomplete": "Not certifiable yet: no counted {kinds} evidence",
        "kind_line": "{kind}: {score} × {weight} = {contribution} ({details})",
        "counted_one": "1 attempt",
        "counted_many": "{n} attempts, the latest counts most",
        "missing": "missing: no counted attempts",
        "none": "no counted attempts",
        "excluded_n": "{n} excluded",
        "waiting_n": "{n} waiting for grading",
        "attempt": "Attempt {n} of '{label}'",
        "attempt_unlabelled": "Attempt {n}",
        "knowledge_term": "{attempt}: {term} ({result}), {age}, weight {weight}",
        "practical_term": (
            "{attempt}: accuracy {percent} × efficiency factor {factor}{untimed} = {term} "
            "({result}), {age}, weight {weight}"
        ),
        "untimed": " (no timing recorded)",
        "critical": "{attempt} scored 0: critical failure ({checks}), {age}, weight {weight}",
        "excluded": "{attempt} excluded by {actor}: {reason} ({scored}; not counted)",
        "scored": "it scored {term}",
        "not_graded": "not graded",
        "waiting": "{attempt} is waiting for grading: not counted yet",
        "passed": "passed",
        "failed": "failed",
        "today": "today",
        "day_ago": "1 day ago",
        "days_ago": "{n} days ago",
        "no_reason": "no reason given",
        "no_actor": "(not recorded)",
        "total": "Total: {terms} = {score}",
    },
    "zh": {
        "lang": "zh",
        "kind": {KNOWLEDGE: "知识考核", PRACTICAL: "实操考核"},
        "kind_lower": {KNOWLEDGE: "知识考核", PRACTICAL: "实操考核"},
        "and": "和",
        "list": "、",
        "sep": "；",
        "headline": "熟练度得分 {score}：{level}（{band}）",
        "band": "{low} 至 {high} 以下",
        "band_top": "{low} 及以上",
        "incomplete": "尚不能认证：缺少可计入的{kinds}成绩",
        "kind_line": "{kind}：{score} × {weight} = {contribution}（{details}）",
        "counted_one": "计入 1 次",
        "counted_many": "计入 {n} 次，越近的权重越大",
        "missing": "缺少：没有可计入的成绩",
        "none": "没有可计入的成绩",
        "excluded_n": "排除 {n} 次",
        "waiting_n": "待评分 {n} 次",
        "attempt": "「{label}」第 {n} 次",
        "attempt_unlabelled": "第 {n} 次",
        "knowledge_term": "{attempt}：{term} 分（{result}），{age}，权重 {weight}",
        "practical_term": (
            "{attempt}：准确率 {percent} × 效率系数 {factor}{untimed} = {term} 分"
            "（{result}），{age}，权重 {weight}"
        ),
        "untimed": "（无用时记录）",
        "critical": "{attempt}记 0 分：关键项失败（{checks}），{age}，权重 {weight}",
        "excluded": "{attempt}已被{actor}排除，理由：{reason}（{scored}，不计入）",
        "scored": "原得分 {term}",
        "not_graded": "未评分",
        "waiting": "{attempt}待评分，暂不计入",
        "passed": "通过",
        "failed": "未通过",
        "today": "今天",
        "day_ago": "1 天前",
        "days_ago": "{n} 天前",
        "no_reason": "未填写理由",
        "no_actor": "（未记录）",
        "total": "合计：{terms} = {score}",
    },
}


def _explain(proficiency: Proficiency, text: dict) -> list[str]:
    lines = [_headline(proficiency, text)]
    if not proficiency.complete:
        kinds = text["and"].join(text["kind_lower"][kind] for kind in proficiency.missing)
        lines.append(text["incomplete"].format(kinds=kinds))
    for kind in proficiency.kinds:
        lines.append(_kind_line(kind, text))
        lines.extend(_attempt_line(kind.kind, line, text) for line in kind.attempts)
    terms = " + ".join(_two_decimals(kind.contribution) for kind in proficiency.kinds)
    lines.append(text["total"].format(terms=terms, score=proficiency.score))
    return lines


def _headline(proficiency: Proficiency, text: dict) -> str:
    level, levels = proficiency.level, proficiency.levels
    above = [candidate for candidate in levels if candidate.minimum > level.minimum]
    low = _number(level.minimum)
    if above:
        band = text["band"].format(low=low, high=_number(above[0].minimum))
    else:
        band = text["band_top"].format(low=low)
    label = level.label(text["lang"])
    return text["headline"].format(score=proficiency.score, level=label, band=band)


def _kind_line(kind: KindScore, text: dict) -> str:
    counted = len(kind.counted)
    if counted == 0:
        details = [text["missing"] if kind.weight > 0 else text["none"]]
    elif counted == 1:
        details = [text["counted_one"]]
    else:
        details = [text["counted_many"].format(n=counted)]
    excluded = sum(1 for line in kind.attempts if line.why_not == EXCLUDED)
    waiting = sum(1 for line in kind.attempts if line.why_not == WAITING)
    if excluded:
        details.append(text["excluded_n"].format(n=excluded))
    if waiting:
        details.append(text["waiting_n"].format(n=waiting))
    return text["kind_line"].format(
        kind=text["kind"][kind.kind],
        score=kind.score,
        weight=_percent(kind.weight),
        contribution=_two_decimals(kind.contribution),
        details=text["sep"].join(details),
    )


def _attempt_line(kind: str, line: AttemptLine, text: dict) -> str:
    item = line.evidence
    attempt = _attempt_name(line, text)
    if line.why_not == EXCLUDED:
        scored = text["not_graded"] if line.term is None else text["scored"]
        return text["excluded"].format(
            attempt=attempt,
            actor=_name(item.excluded_by or text["no_actor"], text),
            reason=item.excluded_reason.strip() or text["no_reason"],
            scored=scored.format(term=_one_decimal(line.term or 0)),
        )
    if line.why_not == WAITING:
        return text["waiting"].format(attempt=attempt)
    common = {"attempt": attempt, "age": _age(line.age_days, text), "weight": f"{line.weight:.2f}"}
    if line.critical:
        checks = text["list"].join(item.critical_failures)
        return text["critical"].format(checks=checks, **common)
    result = text["passed"] if item.passed else text["failed"]
    term = _one_decimal(line.term)
    if kind == KNOWLEDGE:
        return text["knowledge_term"].format(term=term, result=result, **common)
    return text["practical_term"].format(
        percent=_one_decimal(_grade(item.percent)),
        factor=_factor(line.efficiency_factor),
        untimed=text["untimed"] if item.efficiency is None else "",
        term=term,
        result=result,
        **common,
    )


def _attempt_name(line: AttemptLine, text: dict) -> str:
    label = line.evidence.label.strip()
    if not label:
        return text["attempt_unlabelled"].format(n=line.number)
    return text["attempt"].format(n=line.number, label=label)


def _name(name: str, text: dict) -> str:
    # In Chinese, a Latin name reads better set off by spaces: "已被 Go-live office 排除".
    if text["lang"] == "zh" and name.isascii():
        return f" {name} "
    return name


def _age(age_days: float, text: dict) -> str:
    days = int(age_days)
    if days == 0:
        return text["today"]
    return text["day_ago"] if days == 1 else text["days_ago"].format(n=days)


def _percent(weight: float) -> str:
    return f"{_number(_decimal(weight) * 100)}%"


def _number(value) -> str:
    """60 → "60", 33.3 → "33.3": thresholds and weights without a needless ".0"."""
    rounded = Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return (
        str(rounded.to_integral_value()) if rounded == rounded.to_integral_value() else str(rounded)
    )


def _one_decimal(value: float) -> str:
    return str(_decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP))


def _two_decimals(value: Decimal) -> str:
    """35.20 → "35.2", 46.86 → "46.86": contributions exact for the default weights."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(rounded)[:-1] if str(rounded).endswith("0") else str(rounded)


def _factor(factor: float) -> str:
    """0.9 → "0.90", 0.946 → "0.946": the factor a reader multiplies by, not a rounded one."""
    rounded = _decimal(factor).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return str(rounded)[:-1] if str(rounded).endswith("0") else str(rounded)
