"""Property tests: for any sequence of actions (sensible, half-sensible or garbage) the engine
never raises, a refusal changes no entity, folding and grading are deterministic, and replay
agrees with the fold and the grade."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.simulation import (
    ACTIONS,
    ALL_PARAMS,
    action_apply,
    grade,
    replay,
    scenario_load,
    state_fold,
    state_initial,
)

from .builders import check, scenario_dict, text

EVERY_CHECK = [
    check("exists", "exists", collection="orders", where={"status": "draft"}),
    check(
        "not-exists", "not_exists", collection="administrations", where={"patient_verified": False}
    ),
    check("count", "count", collection="alerts", where={"status": {"ne": "pending"}}, min=1, max=3),
    check(
        "field",
        "field",
        collection="orders",
        entity="O1",
        field="status",
        value={"in": ["signed", "cancelled"]},
    ),
    check("action", "action", action={"type": "order_sign"}, before={"type": "administer"}),
    check(
        "not-before",
        "action",
        action={"type": "refund"},
        before={"type": "payment_take"},
        occurred=False,
    ),
    check(
        "alert",
        "alert",
        where={"kind": {"in": ["allergy", "duplicate"]}},
        handled="overridden",
        reason_min=8,
    ),
    check("within", "within", seconds=120),
    check("within-action", "within", seconds=60, action={"type": "scan_wristband"}),
    check("errors", "errors", max=2),
    check(
        "dotted", "exists", collection="patients", where={"insurance.coverage_percent": {"gte": 50}}
    ),
]
DATA = scenario_dict()
DATA["tasks"].append(
    {"id": "every", "instruction": text("every"), "weight": 2, "checks": EVERY_CHECK}
)
SCENARIO = scenario_load(DATA)

IDS = [
    "MRN1",
    "MRN2",
    "P1",
    "P2",
    "E500",
    "E501",
    "E1",
    "E2",
    "O900",
    "O901",
    "O1",
    "O2",
    "O3",
    "A1",
    "A2",
    "C900",
    "C901",
    "C1",
    "R900",
    "R1",
    "RF1",
    "CARD",
    "ER",
    "CARD-12",
    "CARD-14",
    "AMOX500",
    "CEPH1",
    "METO25",
    "CBC",
    "ADMIT",
    "BROKEN",
    "REG",
    "XRAY",
    "WBMRN1",
    "BAND2",
    "690001",
    "690004",
    "zhao.min",
    "sun.li",
    "li.na",
    "old.boss",
    "cashier",
    "billing_supervisor",
    "4821",
    "given",
    "held",
    "medication",
    "lab",
    "inpatient",
    "outpatient",
    "mg",
    "PO",
    "TID",
    "STAT",
    "cash",
    "card",
    "F",
]
# Every parameter name of the vocabulary, and the log's own "seq".
PARAMS = [*ALL_PARAMS, "seq"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(IDS),
    st.sampled_from(
        ["1958-03-14", "2999-01-01", "1990-02-30", "Tolerated for years", "25", " ", ""]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
insurance = st.fixed_dictionaries(
    {"scheme": st.sampled_from(["UEBMI", ""]), "coverage_percent": st.integers(-10, 110)}
)
param_values = st.one_of(
    st.sampled_from(IDS), values, insurance, st.lists(st.sampled_from(["penicillin", "latex"]))
)

VALID = [
    {
        "type": "order_create",
        "encounter": "E500",
        "kind": "medication",
        "drug": "AMOX500",
        "dose": 500,
        "unit": "mg",
        "route": "PO",
        "frequency": "TID",
        "duration_days": 5,
    },
    {
        "type": "order_create",
        "encounter": "E501",
        "kind": "medication",
        "drug": "CEPH1",
        "dose": 250,
        "unit": "mg",
        "route": "PO",
        "frequency": "QID",
        "duration_days": 5,
    },
    {"type": "order_set_apply", "encounter": "E500", "order_set": "ADMIT"},
    {"type": "alert_override", "alert": "A1", "reason": "Tolerated for years"},
    {"type": "alert_accept", "alert": "A1"},
    {"type": "order_sign", "order": "O1"},
    {"type": "order_sign", "order": "O2"},
    {"type": "order_cancel", "order": "O1"},
    {"type": "scan_wristband", "barcode": "WBMRN1"},
    {"type": "scan_wristband", "barcode": "BAND2"},
    {"type": "scan_drug", "barcode": "690004"},
    {"type": "administer", "order": "O900", "outcome": "given"},
    {"type": "administer", "order": "O900", "outcome": "given", "override_warning": True},
    {"type": "administer", "order": "O900", "outcome": "held", "reason": "Pulse 48 bpm"},
    {"type": "patient_register", "name": "Zhou Jie", "dob": "1990-05-06", "sex": "M"},
    {
        "type": "encounter_open",
        "patient": "P1",
        "kind": "inpatient",
        "department": "CARD",
        "bed": "CARD-14",
    },
    {"type": "encounter_close", "encounter": "E500"},
    {"type": "charge_add", "encounter": "E500", "code": "XRAY", "quantity": 2},
    {"type": "payment_take", "encounter": "E500", "method": "cash", "amount": 500},
    {
        "type": "refund",
        "payment": "R1",
        "amount": 10,
        "reason": "Overcharged",
        "supervisor": "zhao.min",
        "pin": "4821",
    },
    {"type": "user_create", "username": "wu.lan", "name": "Wu Lan", "department": "CARD"},
    {"type": "role_assign", "username": "wu.lan", "role": "cashier"},
    {"type": "user_disable", "username": "zhao.min", "reason": "Left"},
    {
        "type": "vitals_record",
        "patient": "MRN1",
        "temperature": 37,
        "pulse": 80,
        "resp_rate": 16,
        "bp_systolic": 120,
        "bp_diastolic": 80,
        "spo2": 98,
    },
]

types = st.one_of(st.sampled_from(sorted(ACTIONS)), st.sampled_from(["", "fly", None, 3]))
garbage_action = st.builds(
    lambda kind, params: {"type": kind, **params},
    types,
    st.dictionaries(st.sampled_from(PARAMS), param_values, max_size=6),
)
tweaked_action = st.builds(
    lambda action, changes: {**action, **changes},
    st.sampled_from(VALID),
    st.dictionaries(st.sampled_from(PARAMS), param_values, max_size=2),
)
timed = st.builds(
    lambda action, t: action if t is None else {**action, "t": t},
    st.one_of(st.sampled_from(VALID), tweaked_action, garbage_action),
    st.one_of(st.none(), st.floats(0, 1000), st.integers(-5, 500), st.text(max_size=3)),
)
logs = st.lists(timed, max_size=25)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def entities(state) -> dict:
    data = state.as_dict()
    del data["log"], data["errors"]
    return data


@SETTINGS
@given(logs)
def test_actions_and_grading_never_raise(log):
    state = state_initial(SCENARIO)
    for action in log:
        before = entities(state)
        error = action_apply(state, SCENARIO, action)
        assert error is None or isinstance(error, str)
        assert error != "The HIS could not process this action.", action
        if error is not None:
            assert entities(state) == before, action
    assert len(state.log) == len(log)
    result = grade(SCENARIO, log).to_dict()
    assert 0 <= result["score"] <= 100
    assert result["error_count"] == len(state.errors)


@SETTINGS
@given(logs)
def test_folding_and_grading_are_deterministic(log):
    assert state_fold(SCENARIO, log).as_dict() == state_fold(SCENARIO, log).as_dict()
    assert (
        grade(SCENARIO, log, elapsed=100).to_dict() == grade(SCENARIO, log, elapsed=100).to_dict()
    )


@SETTINGS
@given(logs)
def test_replay_agrees_with_the_fold_and_the_grade(log):
    steps = replay(SCENARIO, log)
    assert len(steps) == len(log) + 1
    assert steps[-1].state == state_fold(SCENARIO, log).as_dict()
    passing = set()
    for step in steps:
        passing = (passing | set(step.satisfied)) - set(step.broken)
    result = grade(SCENARIO, log)
    assert passing == {f"{c.task}.{c.id}" for t in result.tasks for c in t.checks if c.passed}
