"""Replay: step 0 is the initial state; each step says which checks it satisfied or broke."""

from assessments.simulation import grade, replay, scenario_load, state_fold

from .builders import scenario_dict

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
LOG = [
    {**AMOX, "t": 10},
    {"type": "alert_override", "alert": "A1", "reason": "Tolerated before", "t": 20},
    {"type": "order_sign", "order": "O1", "t": 25},
    {"type": "order_discontinue", "order": "O1", "reason": "Thought again", "t": 30},
    {"type": "scan_wristband", "barcode": "WBMRN1", "t": 40},
    {"type": "administer", "order": "O900", "outcome": "given", "t": 50},
]
SCENARIO = scenario_load(scenario_dict())


def test_step_zero_is_the_initial_state():
    step = replay(SCENARIO, LOG)[0]
    assert (step.seq, step.t, step.action, step.error) == (0, 0.0, None, None)
    assert step.state["orders"].keys() == {"O900", "O901"} and step.state["log"] == []
    assert step.satisfied == ["allergy.not-signed"] and step.broken == []


def test_satisfied_and_broken_per_step():
    steps = replay(SCENARIO, LOG)
    assert len(steps) == 7
    assert [(s.seq, s.satisfied, s.broken) for s in steps[1:]] == [
        (1, [], []),
        (2, [], []),
        (3, [], ["allergy.not-signed"]),
        (4, ["allergy.not-signed"], []),
        (5, [], []),
        (6, [], []),
    ]
    assert steps[6].error == "Scan the drug first."
    assert steps[6].action == {**LOG[5], "seq": 6}
    assert steps[3].state["orders"]["O1"]["status"] == "signed"


def test_states_are_snapshots():
    steps = replay(SCENARIO, LOG)
    assert steps[1].state["orders"]["O1"]["status"] == "draft"
    assert steps[4].state["orders"]["O1"]["status"] == "discontinued"
    steps[4].state["orders"]["O1"]["status"] = "tampered"
    assert steps[5].state["orders"]["O1"]["status"] == "discontinued"
    assert len(steps[1].state["log"]) == 1 and len(steps[6].state["log"]) == 6


def test_to_dict_shape():
    data = replay(SCENARIO, LOG)[3].to_dict()
    assert list(data) == ["seq", "t", "action", "error", "state", "satisfied", "broken"]
    assert data["t"] == 25 and data["action"]["type"] == "order_sign"


def test_the_last_step_agrees_with_the_fold_and_the_grade():
    steps = replay(SCENARIO, LOG)
    assert steps[-1].state == state_fold(SCENARIO, LOG).as_dict()
    passing = set()
    for step in steps:
        passing = (passing | set(step.satisfied)) - set(step.broken)
    result = grade(SCENARIO, LOG)
    assert passing == {f"{c.task}.{c.id}" for t in result.tasks for c in t.checks if c.passed}


def test_replay_of_nothing():
    assert len(replay(SCENARIO, [])) == 1
