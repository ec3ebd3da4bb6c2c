"""Matchers and each check type, passing and failing, with the sentence that says why."""

import pytest

from assessments.simulation import grade, scenario_load
from assessments.simulation.checks import matcher_compile, where_compile

from .builders import scenario_dict, text

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
OVERRIDE = {"type": "alert_override", "alert": "A1", "reason": "Tolerated"}
SIGN = {"type": "order_sign", "order": "O1"}
SCAN = {"type": "scan_wristband", "barcode": "WBMRN1"}
GIVE = {"type": "administer", "order": "O900", "outcome": "given"}


def outcome(spec: dict, actions: list):
    data = scenario_dict(
        tasks=[
            {
                "id": "t",
                "instruction": text("t"),
                "checks": [{"id": "c", "description": text("c"), **spec}],
            }
        ]
    )
    result = grade(scenario_load(data), actions)
    only = result.tasks[0].checks[0]
    return only.passed, only.why


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        ("signed", "signed", True),
        ("signed", "Signed", False),
        (25, 25.0, True),
        (1, True, False),
        (True, True, True),
        ({"eq": None}, None, True),
        ({"ne": "draft"}, "signed", True),
        ({"in": ["a", "b"]}, "b", True),
        ({"not_in": ["a", "b"]}, "b", False),
        ({"contains": "PEN"}, "Penicillin V", True),
        ({"contains": "penicillin"}, ["Latex", "PENICILLIN"], True),
        ({"contains": 3}, [1, 2], False),
        ({"not_contains": "x"}, "abc", True),
        ({"gte": 5}, 5, True),
        ({"gte": 5}, "6", True),
        ({"gte": 5}, None, False),
        ({"lte": 5}, 5.01, False),
        ({"empty": True}, None, True),
        ({"empty": True}, [], True),
        ({"empty": True}, "x", False),
        ({"empty": False}, "x", True),
    ],
)
def test_matchers(matcher, value, expected):
    assert matcher_compile(matcher)(value) is expected


def test_where_with_dotted_paths():
    matches = where_compile(
        {"insurance.scheme": "UEBMI", "insurance.coverage_percent": {"gte": 50}}
    )
    assert matches({"insurance": {"scheme": "UEBMI", "coverage_percent": 70}})
    assert not matches({"insurance": None})
    assert where_compile({})({"anything": 1})


def test_exists():
    spec = {
        "type": "exists",
        "collection": "orders",
        "where": {"drug": "AMOX500", "status": {"in": ["draft"]}},
    }
    assert outcome(spec, [AMOX]) == (True, "Found 1: O1.")
    assert outcome(spec, []) == (False, "No order matches drug = AMOX500, status in [draft].")
    assert outcome({"type": "exists", "collection": "refunds"}, []) == (
        False,
        "There is no refund.",
    )


def test_not_exists():
    spec = {
        "type": "not_exists",
        "collection": "orders",
        "where": {"drug": "AMOX500", "status": "signed"},
    }
    assert outcome(spec, [AMOX]) == (True, "No order matches drug = AMOX500, status = signed.")
    assert outcome(spec, [AMOX, OVERRIDE, SIGN]) == (False, "Found 1: O1.")


def test_count():
    spec = {"type": "count", "collection": "orders", "where": {"status": "signed"}}
    assert outcome({**spec, "equals": 2}, []) == (True, "Found 2 (expected exactly 2): O900, O901.")
    assert outcome({**spec, "min": 3}, []) == (False, "Found 2 (expected at least 3): O900, O901.")
    assert outcome({**spec, "max": 1}, []) == (False, "Found 2 (expected at most 1): O900, O901.")
    assert outcome({**spec, "min": 1, "max": 2}, []) == (
        True,
        "Found 2 (expected 1 to 2): O900, O901.",
    )
    assert outcome({**spec, "where": {"status": "draft"}, "max": 0}, []) == (
        True,
        "Found 0 (expected at most 0): -.",
    )


def test_field():
    spec = {
        "type": "field",
        "collection": "orders",
        "entity": "O1",
        "field": "status",
        "value": {"in": ["cancelled"]},
    }
    accept = {"type": "alert_accept", "alert": "A1"}
    assert outcome(spec, [AMOX, accept]) == (True, "order O1: status is cancelled.")
    assert outcome(spec, [AMOX]) == (
        False,
        "order O1: status is draft; expected status in [cancelled].",
    )
    assert outcome(spec, []) == (False, "There is no order O1.")
    dotted = {
        "type": "field",
        "collection": "patients",
        "entity": "MRN1",
        "field": "insurance.scheme",
        "value": "UEBMI",
    }
    assert outcome(dotted, [])[0] is True


def test_action_occurred():
    spec = {"type": "action", "action": {"type": "administer", "order": "O900"}}
    assert outcome(spec, [SCAN, {"type": "scan_drug", "barcode": "690004"}, GIVE]) == (
        True,
        "Record administration (order = O900) occurred at #3.",
    )
    assert outcome(spec, [GIVE]) == (
        False,
        "Record administration (order = O900) never occurred.",
    )  # refused
    assert outcome({**spec, "include_refused": True}, [GIVE]) == (
        True,
        "Record administration (order = O900) occurred at #1.",
    )


def test_action_not_occurred():
    spec = {"type": "action", "action": {"type": "order_sign"}, "occurred": False}
    assert outcome(spec, [AMOX]) == (True, "Sign order never occurred.")
    assert outcome(spec, [AMOX, OVERRIDE, SIGN]) == (False, "Sign order occurred at #3.")


def test_action_before():
    spec = {
        "type": "action",
        "action": {"type": "scan_wristband"},
        "before": {"type": "patient_search"},
    }
    search = {"type": "patient_search", "query": "x"}
    assert outcome(spec, [SCAN, search]) == (
        True,
        "Scan wristband occurred at #1, before Search patients at #2.",
    )
    assert outcome(spec, [search, search, SCAN]) == (
        False,
        "Search patients occurred at #1, Scan wristband first occurred at #3.",
    )
    assert outcome(spec, [SCAN]) == (
        False,
        "Scan wristband occurred at #1; Search patients never occurred.",
    )
    assert outcome(spec, [search]) == (False, "Scan wristband never occurred.")


def test_action_not_before():
    spec = {
        "type": "action",
        "action": {"type": "order_sign"},
        "before": {"type": "alert_override"},
        "occurred": False,
    }
    assert outcome(spec, [AMOX, OVERRIDE, SIGN])[0] is True
    assert (
        outcome(spec, [AMOX, {**SIGN, "type": "order_sign"}, OVERRIDE])[0] is True
    )  # that sign was refused
    assert outcome({**spec, "include_refused": True}, [AMOX, SIGN, OVERRIDE]) == (
        False,
        "Sign order occurred at #2, before Override alert at #3.",
    )
    assert outcome(spec, [])[0] is True


def test_alert():
    spec = {"type": "alert", "where": {"kind": "allergy"}, "handled": "overridden", "reason_min": 8}
    assert outcome(spec, [AMOX, {**OVERRIDE, "reason": "Tolerated for years"}]) == (
        True,
        "Alert A1: overridden, as expected.",
    )
    assert outcome(spec, [AMOX, {**OVERRIDE, "reason": "Fine!"}]) == (
        False,
        "Alert A1 was overridden with a reason of 5 characters; at least 8 expected.",
    )
    short = {**OVERRIDE, "reason": "Known ok"}  # 8 characters: enough
    assert outcome(spec, [AMOX, short])[0] is True
    assert outcome({**spec, "reason_min": 20}, [AMOX, short]) == (
        False,
        "Alert A1 was overridden with a reason of 8 characters; at least 20 expected.",
    )
    assert outcome(spec, [AMOX]) == (False, "Alert A1 is pending; expected overridden.")
    assert outcome(spec, []) == (False, "No alert matches kind = allergy.")
    assert outcome({"type": "alert", "handled": "accepted"}, []) == (False, "There is no alert.")


def test_within():
    spec = {"type": "within", "seconds": 60}
    assert outcome(spec, [{**SCAN, "t": 30}]) == (
        True,
        "The last action (scan_wristband) at 30 s, within 60 s.",
    )
    assert outcome(spec, [{**SCAN, "t": 61.5}]) == (
        False,
        "The last action (scan_wristband) at 61.5 s, after the 60 s allowed.",
    )
    assert outcome(spec, []) == (False, "No action was logged.")
    timed = {**spec, "action": {"type": "scan_wristband"}}
    assert outcome(timed, [{**SCAN, "t": 20}, {**GIVE, "t": 90}]) == (
        True,
        "Scan wristband at 20 s, within 60 s.",
    )
    assert outcome(timed, [{**GIVE, "t": 20}]) == (False, "Scan wristband never occurred.")


def test_errors():
    spec = {"type": "errors", "max": 1}
    assert outcome(spec, [GIVE]) == (True, "1 refused action(s); at most 1 allowed.")
    assert outcome(spec, [GIVE, GIVE]) == (False, "2 refused action(s); more than the 1 allowed.")


def test_why_is_translated_at_the_time_of_use():
    from assessments.simulation import messages

    spec = {"type": "exists", "collection": "refunds"}
    original = messages.translate
    messages.translate = {"There is no %(noun)s.": "没有%(noun)s。", "refund": "退款"}.get
    try:
        translated = outcome(spec, [])
    finally:
        messages.translate = original
    assert translated == (False, "没有退款。")
