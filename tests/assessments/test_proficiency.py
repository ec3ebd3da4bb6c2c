"""Proficiency score: the formula's maths, recency, exclusions, levels, validation, explain()."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from assessments.proficiency import (
    EXCLUDED,
    KNOWLEDGE,
    PRACTICAL,
    WAITING,
    Evidence,
    Formula,
    FormulaError,
    Level,
    proficiency_compute,
)

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
KNOWLEDGE_ONLY = Formula(weights={KNOWLEDGE: 1.0, PRACTICAL: 0.0})
_ids = iter(range(1, 1_000_000))


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def knowledge(percent, *, days=0, label="HIS basics", **extra) -> Evidence:
    passed = extra.pop("passed", percent is not None and percent >= 60)
    return Evidence(KNOWLEDGE, next(_ids), ago(days), percent, passed=passed, label=label, **extra)


def practical(percent, *, days=0, efficiency=1.0, label="BCMA practical", **extra) -> Evidence:
    passed = extra.pop("passed", percent is not None and percent >= 60)
    return Evidence(
        PRACTICAL,
        next(_ids),
        ago(days),
        percent,
        passed=passed,
        efficiency=efficiency,
        label=label,
        **extra,
    )


def compute(evidence, formula=None):
    return proficiency_compute(formula=formula or Formula(), evidence=evidence, as_of=NOW)


def excluded(evidence: Evidence, *, reason: str, by: str) -> Evidence:
    return replace(evidence, excluded=True, excluded_reason=reason, excluded_by=by)


def worked_example() -> list[Evidence]:
    return [
        knowledge(70, days=180),
        knowledge(97, days=0),
        practical(90, days=180, efficiency=0.5),
        practical(85, days=0, efficiency=0.5),
    ]


def test_default_formula_on_a_worked_example():
    # By hand, half-life 180 days: weights 0.5 (180 days old) and 1 (today).
    # Knowledge: (70 x 0.5 + 97 x 1) / 1.5 = 132 / 1.5 = 88.0
    # Practical: efficiency factor 0.8 + 0.2 x 0.5 = 0.9; terms 90 x 0.9 = 81.0 and
    #            85 x 0.9 = 76.5; (81 x 0.5 + 76.5 x 1) / 1.5 = 117 / 1.5 = 78.0
    # Total: 0.4 x 88.0 + 0.6 x 78.0 = 35.2 + 46.8 = 82.0 → Proficient (75 <= 82 < 90)
    result = compute(worked_example())

    knowledge_score, practical_score = result.kind(KNOWLEDGE), result.kind(PRACTICAL)
    assert knowledge_score.score == Decimal("88.0")
    assert knowledge_score.contribution == Decimal("35.2")
    assert [line.term for line in knowledge_score.attempts] == [70.0, 97.0]
    assert [line.weight for line in knowledge_score.attempts] == [0.5, 1.0]
    assert practical_score.score == Decimal("78.0")
    assert practical_score.contribution == Decimal("46.8")
    assert [line.efficiency_factor for line in practical_score.attempts] == pytest.approx(
        [0.9, 0.9]
    )
    assert [line.term for line in practical_score.attempts] == pytest.approx([81.0, 76.5])
    assert result.score == Decimal("82.0")
    assert (result.level.code, result.level.label_en, result.level.label_zh) == (
        "proficient",
        "Proficient",
        "熟练",
    )
    assert result.complete is True and result.missing == []


def test_explain_answers_why_is_my_score_82():
    lines = compute(worked_example()).explain()

    assert lines[0] == "Proficiency score 82.0: Proficient (75 to under 90)"
    assert "Knowledge: 88.0 × 40% = 35.2 (2 attempts, the latest counts most)" in lines
    assert "Practical: 78.0 × 60% = 46.8 (2 attempts, the latest counts most)" in lines
    assert (
        "Attempt 1 of 'BCMA practical': accuracy 90.0 × efficiency factor 0.90 = 81.0 "
        "(passed), 180 days ago, weight 0.50"
    ) in lines
    assert lines[-1] == "Total: 35.2 + 46.8 = 82.0"


def test_efficiency_factor_is_floor_plus_the_rest_scaled_and_capped():
    result = compute(
        [
            practical(80, efficiency=0.0),
            practical(80, efficiency=0.75),
            practical(80, efficiency=1.0),
            practical(80, efficiency=2.5),  # faster than the benchmark earns nothing extra
            practical(80, efficiency=-1.0),
            practical(80, efficiency=None),  # no timing recorded: not penalised
        ]
    )

    factors = [line.efficiency_factor for line in result.kind(PRACTICAL).attempts]
    assert factors == pytest.approx([0.8, 0.95, 1.0, 1.0, 0.8, 1.0])
    terms = [line.term for line in result.kind(PRACTICAL).attempts]
    assert terms == pytest.approx([64.0, 76.0, 80.0, 80.0, 64.0, 80.0])


def test_a_custom_efficiency_floor():
    result = compute([practical(80, efficiency=0.5)], Formula(efficiency_floor=0.5))

    # 0.5 + 0.5 x 0.5 = 0.75; 80 x 0.75 = 60.0
    assert result.kind(PRACTICAL).score == Decimal("60.0")


def test_a_critical_failure_scores_that_attempt_zero():
    right_patient = practical(80, days=0)
    wrong_patient = practical(95, days=0, critical_failures=["identify.right-patient"])
    result = compute([knowledge(90), right_patient, wrong_patient])

    lines = result.kind(PRACTICAL).attempts
    assert lines[1].evidence == wrong_patient
    assert lines[1].term == 0.0 and lines[1].counted and lines[1].critical
    # (80 + 0) / 2 = 40.0, not (80 + 95) / 2
    assert result.kind(PRACTICAL).score == Decimal("40.0")
    assert (
        "Attempt 2 of 'BCMA practical' scored 0: critical failure (identify.right-patient), "
        "today, weight 1.00"
    ) in result.explain()


def test_a_critical_failure_scores_zero_on_a_knowledge_exam_too():
    result = compute([knowledge(100, critical_failures=["consent.missing"])], KNOWLEDGE_ONLY)

    assert result.score == Decimal("0.0")


def test_an_old_fail_matters_less_than_a_recent_pass():
    # weights: 360 days → 0.25, today → 1.
    recent_pass = compute([knowledge(40, days=360), knowledge(90, days=0)], KNOWLEDGE_ONLY)
    recent_fail = compute([knowledge(90, days=360), knowledge(40, days=0)], KNOWLEDGE_ONLY)

    assert recent_pass.score == Decimal("80.0")  # (40 x 0.25 + 90) / 1.25
    assert recent_fail.score == Decimal("50.0")  # (90 x 0.25 + 40) / 1.25


def test_the_half_life_exactly_halves_the_weight():
    result = compute([knowledge(50, days=d) for d in (0, 180, 360, 540)])
    assert [line.weight for line in result.kind(KNOWLEDGE).attempts] == [0.125, 0.25, 0.5, 1.0]

    monthly = compute([knowledge(50, days=30)], Formula(half_life_days=30))
    assert monthly.kind(KNOWLEDGE).attempts[0].weight == 0.5
    assert monthly.kind(KNOWLEDGE).attempts[0].age_days == 30.0


def test_excluded_and_waiting_attempts_are_listed_but_not_counted():
    login = excluded(knowledge(20, days=2), reason="sat under a colleague's login", by="周文博")
    essay = knowledge(None, days=1)  # an essay waiting for a trainer
    result = compute([login, essay, knowledge(85, days=0)], KNOWLEDGE_ONLY)

    lines = result.kind(KNOWLEDGE).attempts
    assert [line.evidence for line in lines] == [login, essay, lines[2].evidence]
    assert [(line.counted, line.why_not) for line in lines] == [
        (False, EXCLUDED),
        (False, WAITING),
        (True, None),
    ]
    assert lines[0].term == 20.0 and lines[0].weight == 0.0  # what it scored, for the audit
    assert lines[1].term is None and lines[1].weight == 0.0
    assert result.score == Decimal("85.0")
    explained = result.explain()
    assert (
        "Attempt 1 of 'HIS basics' excluded by 周文博: sat under a colleague's login "
        "(it scored 20.0; not counted)"
    ) in explained
    assert "Attempt 2 of 'HIS basics' is waiting for grading: not counted yet" in explained
    assert "Knowledge: 85.0 × 100% = 85.0 (1 attempt; 1 excluded; 1 waiting for grading)" in (
        explained
    )


def test_a_missing_kind_makes_the_score_incomplete():
    result = compute([knowledge(90)])

    assert result.complete is False
    assert result.missing == [PRACTICAL]
    assert result.kind(PRACTICAL).score == Decimal("0.0")
    assert result.score == Decimal("36.0")  # 0.4 x 90 + 0.6 x 0
    explained = result.explain()
    assert "Not certifiable yet: no counted practical evidence" in explained
    assert "Practical: 0.0 × 60% = 0.0 (missing: no counted attempts)" in explained
    assert "尚不能认证：缺少可计入的实操考核成绩" in result.explain("zh")


def test_a_kind_with_only_waiting_or_excluded_attempts_is_missing():
    result = compute(
        [
            knowledge(90),
            practical(None),
            excluded(practical(30), reason="exam room power cut", by="Li Na"),
        ]
    )

    assert result.complete is False and result.missing == [PRACTICAL]
    assert len(result.kind(PRACTICAL).attempts) == 2


def test_a_kind_weighted_zero_is_not_required():
    result = compute([knowledge(70)], KNOWLEDGE_ONLY)

    assert result.complete is True and result.missing == []
    assert "Practical: 0.0 × 0% = 0.0 (no counted attempts)" in result.explain()


@pytest.mark.parametrize(
    ("percent", "code"),
    [
        (0, "novice"),
        (59.9, "novice"),
        (60, "competent"),
        (74.9, "competent"),
        (75, "proficient"),
        (89.9, "proficient"),
        (90, "expert"),
        (100, "expert"),
    ],
)
def test_level_boundaries(percent, code):
    result = compute([knowledge(percent)], KNOWLEDGE_ONLY)

    assert result.score == Decimal(str(percent)).quantize(Decimal("0.1"))
    assert result.level.code == code


def test_the_level_is_read_from_the_shown_score():
    # 59.95 shows as 60.0: HR must never see "60.0, Novice".
    result = compute([knowledge(59.95)], KNOWLEDGE_ONLY)

    assert result.score == Decimal("60.0") and result.level.code == "competent"


def test_the_total_rounds_half_up():
    half = Formula(weights={KNOWLEDGE: 0.5, PRACTICAL: 0.5})
    result = compute([knowledge(60.5), practical(60.0)], half)

    assert result.score == Decimal("60.3")  # 30.25 + 30.00 = 60.25 → 60.3 (not banker's 60.2)


def test_custom_levels_and_their_labels():
    levels = (Level("not-yet", 0, "Not yet", "未达标"), Level("ready", 80, "Ready", "达标"))
    result = compute([knowledge(80)], Formula(weights={KNOWLEDGE: 1.0}, levels=levels))

    assert result.level.code == "ready"
    assert result.explain()[0] == "Proficiency score 80.0: Ready (80 and above)"
    assert result.explain("zh")[0] == "熟练度得分 80.0：达标（80 及以上）"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"weights": {KNOWLEDGE: 0.4, PRACTICAL: 0.5}}, "sum to 1"),
        ({"weights": {KNOWLEDGE: 0.5, PRACTICAL: 0.6}}, "sum to 1"),
        ({"weights": {KNOWLEDGE: -0.2, PRACTICAL: 1.2}}, "non-negative"),
        ({"weights": {KNOWLEDGE: 0.4, "rubric": 0.6}}, "unknown evidence kinds"),
        ({"weights": {}}, "sum to 1"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"efficiency_floor": 1.5}, "efficiency_floor"),
    ],
)
def test_formula_validation_refuses_bad_parameters(options, message):
    with pytest.raises(FormulaError, match=message):
        Formula(**options)


@pytest.mark.parametrize(
    "minimums",
    [
        (0, 75, 60, 90),  # not increasing
        (0, 60, 60, 90),  # two levels at the same threshold
        (10, 60, 75, 90),  # scores under 10 would have no level
        (0, 60, 75, 101),  # a level no one can reach
    ],
)
def test_formula_validation_refuses_bad_thresholds(minimums):
    levels = [Level(f"l{i}", minimum, f"L{i}", f"级{i}") for i, minimum in enumerate(minimums)]

    with pytest.raises(FormulaError):
        Formula(levels=levels)


def test_formula_validation_refuses_no_levels_and_duplicate_codes():
    with pytest.raises(FormulaError, match="at least one"):
        Formula(levels=())
    with pytest.raises(FormulaError, match="unique"):
        Formula(levels=(Level("a", 0, "A", "甲"), Level("a", 50, "A", "甲")))


def test_default_formula_is_valid_and_copies_its_weights():
    weights = {KNOWLEDGE: 0.4, PRACTICAL: 0.6}
    formula = Formula(weights=weights)
    weights[KNOWLEDGE] = 0.9

    assert formula.weight(KNOWLEDGE) == 0.4
    assert Formula() == formula


def mixed_evidence() -> list[Evidence]:
    return [
        knowledge(70, days=180),
        knowledge(97, days=0),
        excluded(knowledge(10, days=5), reason="sat under a colleague's login", by="周文博"),
        practical(90, days=180, efficiency=0.5),
        practical(85, days=0, efficiency=None),
        practical(99, days=3, critical_failures=["identify.right-patient", "allergy.override"]),
        practical(None, days=1),
    ]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_names_every_term_in_both_languages(lang):
    result = compute(mixed_evidence())
    text = "\n".join(result.explain(lang))

    for kind in result.kinds:
        assert f"{kind.score} × {round(kind.weight * 100)}% = " in text
    assert str(result.score) in result.explain(lang)[0]
    # headline, 2 kinds, 3 knowledge and 4 practical attempts (one line each), total
    assert len(result.explain(lang)) == 1 + 2 + 3 + 4 + 1
    for needle in ("identify.right-patient", "allergy.override", "周文博", "colleague's login"):
        assert needle in text
    for term in ("70.0", "97.0", "81.0", "85.0", "10.0"):
        assert term in text


def test_explain_in_chinese_reads_naturally():
    lines = compute(mixed_evidence()).explain("zh-hans")

    assert lines[0].startswith("熟练度得分 ")
    assert "知识考核：88.0 × 40% = 35.2（计入 2 次，越近的权重越大；排除 1 次）" in lines
    assert "「HIS basics」第 1 次：70.0 分（通过），180 天前，权重 0.50" in lines
    assert (
        "「HIS basics」第 2 次已被周文博排除，理由：sat under a colleague's login"
        "（原得分 10.0，不计入）"
    ) in lines
    assert (
        "「BCMA practical」第 2 次记 0 分：关键项失败（identify.right-patient、allergy.override），"
        "3 天前，权重 0.99"
    ) in lines
    assert "「BCMA practical」第 3 次待评分，暂不计入" in lines
    assert (
        "「BCMA practical」第 4 次：准确率 85.0 × 效率系数 1.00（无用时记录） = 85.0 分（通过），"
        "今天，权重 1.00"
    ) in lines
    assert lines[-1].startswith("合计：35.2 + ")


def test_explain_falls_back_to_english_for_other_languages():
    result = compute(worked_example())

    assert result.explain("fr") == result.explain("en")
    assert result.explain("zh-cn") == result.explain("zh")


def test_89_percent_after_dropping_failures_is_visibly_44_percent():
    # The go-live that reported 89% after dropping 3,000 failing tests (true rate 44%), scaled
    # to one person: dropping failures quietly moves the score the same way, so every dropped
    # attempt must stay in the breakdown with who dropped it and why.
    def story(*, drop: bool) -> list[Evidence]:
        evidence = [knowledge(89, days=10), practical(89, days=10)]
        for _ in range(3):
            for failure in (knowledge(29, days=10), practical(29, days=10)):
                dropped = excluded(failure, reason="to reach the go-live target", by="王主任")
                evidence.append(dropped if drop else failure)
        return evidence

    reported = compute(story(drop=True))
    honest = compute(story(drop=False))

    assert reported.score == Decimal("89.0")
    assert honest.score == Decimal("44.0")  # (89 + 3 x 29) / 4 in both kinds
    for kind in reported.kinds:
        dropped = [line for line in kind.attempts if line.why_not == EXCLUDED]
        assert len(dropped) == 3 and len(kind.attempts) == 4
        assert {line.evidence.excluded_reason for line in dropped} == {
            "to reach the go-live target"
        }
        assert {line.evidence.excluded_by for line in dropped} == {"王主任"}
        assert all(line.term == 29.0 for line in dropped)  # what each failure really scored
    english, chinese = reported.explain("en"), reported.explain("zh")
    excluded_en = [line for line in english if "excluded by 王主任" in line]
    excluded_zh = [line for line in chinese if "已被王主任排除" in line]
    assert len(excluded_en) == len(excluded_zh) == 6
    assert all("to reach the go-live target" in line and "29.0" in line for line in excluded_en)
    assert "Knowledge: 89.0 × 40% = 35.6 (1 attempt; 3 excluded)" in english
    assert "实操考核：89.0 × 60% = 53.4（计入 1 次；排除 3 次）" in chinese


@pytest.mark.parametrize(
    "evidence",
    [
        [],
        [knowledge(0), practical(0)],
        [excluded(knowledge(90), reason="", by=""), excluded(practical(90), reason="", by="")],
        [practical(80, efficiency=float("nan")), knowledge(float("nan"))],
        [knowledge(130), practical(-5)],
        [knowledge(90, days=-3), practical(90, days=-0.5)],  # a clock ahead of as_of
        [knowledge(90, days=365 * 100), practical(90, days=365 * 300)],  # weights underflow
        [knowledge(None), practical(None, critical_failures=["x"])],
    ],
)
def test_odd_inputs_never_raise(evidence):
    result = compute(evidence)

    assert Decimal("0.0") <= result.score <= Decimal("100.0")
    assert result.explain("en") and result.explain("zh")


def test_odd_inputs_score_sensibly():
    assert compute([knowledge(130)], KNOWLEDGE_ONLY).score == Decimal("100.0")  # clamped
    future = compute([knowledge(90, days=-3)], KNOWLEDGE_ONLY).kind(KNOWLEDGE).attempts[0]
    assert future.age_days == 0.0 and future.weight == 1.0
    ancient = compute([knowledge(90, days=365 * 300)], KNOWLEDGE_ONLY)
    assert ancient.score == Decimal("90.0")  # the only evidence, however old
    nan = compute([knowledge(float("nan"))], KNOWLEDGE_ONLY).kind(KNOWLEDGE).attempts[0]
    assert nan.why_not == WAITING
    anonymous = excluded(knowledge(50), reason=" ", by="")
    assert "excluded by (not recorded): no reason given" in compute([anonymous]).explain()[3]


def test_naive_datetimes_are_read_as_utc():
    naive = replace(knowledge(80), finished_at=datetime(2024, 12, 3, 9, 0))
    result = proficiency_compute(
        formula=KNOWLEDGE_ONLY, evidence=[naive], as_of=datetime(2025, 6, 1, 9, 0)
    )

    assert result.kind(KNOWLEDGE).attempts[0].age_days == 180.0
    assert result.kind(KNOWLEDGE).attempts[0].weight == 0.5


def test_attempts_are_numbered_per_exam_in_time_order():
    result = compute(
        [
            knowledge(80, days=1, label="Orders"),
            knowledge(70, days=9, label="HIS basics"),
            knowledge(75, days=5, label="HIS basics"),
        ]
    )

    lines = result.kind(KNOWLEDGE).attempts
    assert [(line.evidence.label, line.number) for line in lines] == [
        ("HIS basics", 1),
        ("HIS basics", 2),
        ("Orders", 1),
    ]


def test_same_inputs_give_the_same_output_whatever_their_order():
    evidence = mixed_evidence()
    shuffled = evidence[:]
    random.Random(6).shuffle(shuffled)

    first, second = compute(evidence), compute(shuffled)
    assert first == second
    assert first.explain("en") == second.explain("en") == compute(evidence).explain("en")
