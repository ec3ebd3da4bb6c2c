"""Grading: weighting, critical failures, elapsed time and efficiency, determinism."""

import json

import pytest

from assessments.simulation import grade, scenario_load

from .builders import check, scenario_dict, text

AMOX = {
    "type": "order_create",
    "encounter": "E500",
    "kind": "medication",
    "drug": "AMOX500",
    "dose": 500,
    "unit": "mg",
    "route": "PO",
    "frequency": "TID",
    "duration_days": 5,
}
SCAN = {"type": "scan_wristband", "barcode": "WBMRN1"}
SCAN_METO = {"type": "scan_drug", "barcode": "690004"}
GIVE = {"type": "administer", "order": "O900", "outcome": "given"}
SEARCH = {"type": "patient_search", "query": "Wang"}
REFERENCE = [
    {**AMOX, "t": 10},
    {"type": "alert_accept", "alert": "A1", "t": 20},
    {**SCAN, "t": 30},
    {**SCAN_METO, "t": 35},
    {**GIVE, "t": 40},
]


def weighted_scenario():
    """Task a (weight 3): checks of weight 1 and 3. Task b (weight 1): one check."""
    exists = {"collection": "patients", "where": {"id": "MRN1"}}
    searched = {"action": {"type": "patient_search"}}
    tasks = [
        {
            "id": "a",
            "instruction": text("a"),
            "weight": 3,
            "checks": [
                check("always", "exists", **exists),
                check("searched", "action", weight=3, **searched),
            ],
        },
        {
            "id": "b",
            "instruction": text("b"),
            "checks": [check("searched-b", "action", **searched)],
        },
    ]
    return scenario_load(scenario_dict(tasks=tasks, pass_mark=50))


def test_the_reference_passes_with_full_marks():
    result = grade(scenario_load(scenario_dict()), REFERENCE).to_dict()
    assert result["score"] == 100.0 and result["passed"] is True
    assert (
        result["critical_failures"] == [] and result["errors"] == [] and result["error_count"] == 0
    )
    assert [task["score"] for task in result["tasks"]] == [100.0, 100.0]
    assert list(result) == [
        "scenario",
        "version",
        "score",
        "passed",
        "pass_mark",
        "critical_failures",
        "tasks",
        "errors",
        "error_count",
        "elapsed_seconds",
        "benchmark_seconds",
        "efficiency",
    ]
    assert list(result["tasks"][0]) == ["id", "weight", "score", "critical", "checks"]
    assert list(result["tasks"][0]["checks"][0]) == [
        "task",
        "id",
        "description",
        "passed",
        "critical",
        "weight",
        "why",
    ]
    json.dumps(result)


def test_task_and_total_weighting():
    scenario = weighted_scenario()
    result = grade(scenario, [])
    # a: 100 x 1/4 = 25; b: 0; total (3 x 25 + 1 x 0) / 4 = 18.75
    assert [task.score for task in result.tasks] == [25.0, 0.0]
    assert result.score == 18.75 and result.passed is False
    result = grade(scenario, [SEARCH])
    assert result.score == 100.0 and result.passed is True


def test_scores_round_half_up_to_two_decimals():
    checks = [
        check(f"c{i}", "exists", collection="patients", where={"id": "MRN1" if i == 0 else "none"})
        for i in range(3)
    ]
    tasks = [{"id": "a", "instruction": text("a"), "checks": checks}]
    result = grade(scenario_load(scenario_dict(tasks=tasks)), [])
    assert result.tasks[0].score == 33.33 and result.score == 33.33


def test_a_critical_check_fails_the_attempt_whatever_the_score():
    signed = [
        {**AMOX, "t": 10},
        {"type": "alert_override", "alert": "A1", "reason": "I know better"},
        {"type": "order_sign", "order": "O1"},
        SCAN,
        SCAN_METO,
        GIVE,
    ]
    data = scenario_dict()
    data["tasks"][0]["checks"][1]["handled"] = "overridden"
    result = grade(scenario_load(data), signed)
    assert result.critical_failures == ["allergy.not-signed"]
    assert result.score == pytest.approx(66.67) and result.passed is False
    lenient = scenario_dict(pass_mark=10)
    lenient["tasks"][0]["checks"][1]["handled"] = "overridden"
    assert grade(scenario_load(lenient), signed).passed is False


def test_a_critical_task_makes_each_of_its_checks_critical():
    data = scenario_dict()
    data["tasks"][1]["critical"] = True
    result = grade(scenario_load(data), REFERENCE[:2])
    assert result.critical_failures == ["mar.given", "mar.scan-first"]
    assert result.tasks[1].critical is True and result.tasks[1].checks[0].critical is True


def test_critical_failure_at_a_score_near_100():
    data = scenario_dict()
    data["tasks"][0]["checks"][0]["weight"] = 1
    data["tasks"].append(
        {
            "id": "bulk",
            "instruction": text("x"),
            "weight": 100,
            "checks": [check("ok", "exists", collection="patients")],
        }
    )
    signed = [
        AMOX,
        {"type": "alert_override", "alert": "A1", "reason": "I know better"},
        {"type": "order_sign", "order": "O1"},
        SCAN,
        SCAN_METO,
        GIVE,
    ]
    result = grade(scenario_load(data), signed)
    assert (
        result.score == 98.06
        and result.critical_failures == ["allergy.not-signed"]
        and not result.passed
    )


def test_errors_are_reported():
    result = grade(scenario_load(scenario_dict()), [GIVE, {"type": "nope", "t": 4}]).to_dict()
    assert result["error_count"] == 2
    assert result["errors"][0] == {
        "seq": 1,
        "type": "administer",
        "message": "Scan the patient's wristband first.",
    }
    assert result["errors"][1]["type"] == "nope"


def test_elapsed_is_the_last_t_unless_given():
    scenario = scenario_load(scenario_dict())  # benchmark 300 s
    assert grade(scenario, []).elapsed_seconds == 0.0
    assert grade(scenario, []).efficiency == 1.0
    log = [{**SEARCH, "t": 100}, SEARCH, {**SEARCH, "t": 400}]
    result = grade(scenario, log)
    assert result.elapsed_seconds == 400.0 and result.efficiency == 0.75
    assert grade(scenario, log[:2]).elapsed_seconds == 100.0  # missing t = the previous t
    assert grade(scenario, log, elapsed=412).efficiency == 0.73
    assert grade(scenario, log, elapsed=150).efficiency == 1.0
    assert grade(scenario, log, elapsed=0).efficiency == 1.0
    assert grade(scenario, log, elapsed="nonsense").elapsed_seconds == 400.0


def test_grading_is_deterministic_and_the_result_is_a_copy():
    scenario = scenario_load(scenario_dict())
    first = grade(scenario, REFERENCE).to_dict()
    first["tasks"][0]["checks"][0]["description"]["en"] = "changed"
    assert grade(scenario, REFERENCE).to_dict() != first
    assert scenario.tasks[0].checks[0].description["en"] == "not-signed"
    assert grade(scenario, REFERENCE).to_dict() == grade(scenario, REFERENCE).to_dict()


def test_failed_checks_and_the_final_state():
    result = grade(scenario_load(scenario_dict()), REFERENCE[:2])
    assert result.failed_checks == ["mar.given", "mar.scan-first"]
    assert result.state.orders["O1"]["status"] == "cancelled"


def test_grade_does_not_change_the_log_it_is_given():
    log = [dict(action) for action in REFERENCE]
    grade(scenario_load(scenario_dict()), log)
    assert log == REFERENCE
