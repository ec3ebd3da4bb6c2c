"""Scenario loading and validation, and action files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from assessments.simulation import (
    SCENARIO_SCHEMA,
    ActionsInvalid,
    ScenarioInvalid,
    actions_parse,
    scenario_dump,
    scenario_load,
)

from .builders import check, scenario_dict

ENGINE = Path(__file__).resolve().parents[2] / "assessments" / "simulation"


def test_loads_from_a_dict():
    scenario = scenario_load(scenario_dict())
    assert scenario.slug == "test-ward"
    assert [task.id for task in scenario.tasks] == ["allergy", "mar"]
    assert scenario.tasks[0].checks[0].key == "allergy.not-signed"
    assert scenario.tasks[0].checks[0].critical is True
    assert scenario.pins == {
        "zhao.min": "4821",
        "sun.li": "1111",
        "li.na": "9999",
        "old.boss": "2222",
    }


def test_loads_from_json_text_and_bytes():
    text = json.dumps(scenario_dict(), ensure_ascii=False)
    assert scenario_load(text).slug == "test-ward"
    assert scenario_load(text.encode("utf-8")).slug == "test-ward"


def test_loads_from_yaml_text_with_unquoted_dates():
    text = yaml.safe_dump(scenario_dict(), allow_unicode=True).replace("'1958-03-14'", "1958-03-14")
    assert "dob: 1958-03-14" in text
    scenario = scenario_load(text)
    assert scenario.definition["initial"]["patients"][0]["dob"] == "1958-03-14"


def test_dump_round_trips():
    scenario = scenario_load(scenario_dict())
    dumped = scenario_dump(scenario)
    assert dumped == scenario_dict()
    again = scenario_load(json.dumps(dumped))
    assert scenario_dump(again) == dumped


def test_dump_is_a_copy():
    scenario = scenario_load(scenario_dict())
    scenario_dump(scenario)["title"]["en"] = "changed"
    assert scenario.title["en"] == "Test ward"


def test_load_copies_its_input():
    data = scenario_dict()
    scenario = scenario_load(data)
    data["initial"]["patients"][0]["name"] = "changed"
    assert scenario.definition["initial"]["patients"][0]["name"] == "Wang Fang"


def test_schema_is_published_beside_the_code():
    on_disk = json.loads((ENGINE / "scenario.schema.json").read_text("utf-8"))
    assert on_disk == SCENARIO_SCHEMA
    assert SCENARIO_SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _set(path, value):
    def change(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value

    return change


DELETE = object()
P, E = ("initial", "patients"), ("initial", "encounters")
CHECK0 = ("tasks", 0, "checks", 0)

BAD = [
    (_set(("title", "zh"), DELETE), "title.zh", "Required, but missing."),
    (_set(("format",), "scenario"), "format", 'Expected "readyline-scenario", got "scenario".'),
    (_set(("version",), 2), "version", "Expected 1, got 2."),
    (_set(("version",), "1"), "version", 'Expected integer, got "1".'),
    (
        _set(("slug",), "Bad Slug"),
        "slug",
        '"Bad Slug" is not in the expected form (lowercase letters, digits and hyphens).',
    ),
    (_set(("pass_mark",), 120), "pass_mark", "Expected a number of at most 100, got 120."),
    (
        _set((*P, 1, "dob"), "02/01/1970"),
        "initial.patients[1].dob",
        '"02/01/1970" is not in the expected form (a date written YYYY-MM-DD).',
    ),
    (
        _set((*P, 1, "dob"), "1970-02-30"),
        "initial.patients[1].dob",
        '"1970-02-30" is not a real date (expected YYYY-MM-DD).',
    ),
    (
        _set((*P, 1, "dob"), "2999-01-01"),
        "initial.patients[1].dob",
        '"2999-01-01" is in the future.',
    ),
    (_set((*P, 1, "sex"), "W"), "initial.patients[1].sex", 'Expected one of: F, M, X; got "W".'),
    (
        _set((*P, 1, "phone"), "123"),
        "initial.patients[1].phone",
        "Unknown field; expected one of: id, name, dob, sex, allergies, insurance, wristband.",
    ),
    (
        _set((*P, 1, "id"), "MRN1"),
        "initial.patients[1].id",
        'Duplicate id "MRN1" (also at initial.patients[0]).',
    ),
    (
        _set((*P, 1, "wristband"), "WBMRN1"),
        "initial.patients[1].wristband",
        'Duplicate wristband "WBMRN1" (also at initial.patients[0]).',
    ),
    (
        _set(("initial", "formulary", 1, "barcode"), "690001"),
        "initial.formulary[1].barcode",
        'Duplicate barcode "690001" (also at initial.formulary[0]).',
    ),
    (
        _set(("initial", "formulary", 1, "code"), "AMOX500"),
        "initial.formulary[1].code",
        'Duplicate code "AMOX500" (also at initial.formulary[0]).',
    ),
    (
        _set(("initial", "users", 1, "username"), "zhao.min"),
        "initial.users[1].username",
        'Duplicate username "zhao.min" (also at initial.users[0]).',
    ),
    (
        _set((*E, 0, "patient"), "MRN9"),
        "initial.encounters[0].patient",
        'No patient "MRN9" in initial.patients.',
    ),
    (
        _set((*E, 0, "department"), "NEURO"),
        "initial.encounters[0].department",
        'No department "NEURO" in initial.departments.',
    ),
    (
        _set((*E, 0, "bed"), "CARD-99"),
        "initial.encounters[0].bed",
        'No bed "CARD-99" in initial.beds.',
    ),
    (
        _set((*E, 1, "bed"), "CARD-14"),
        "initial.encounters[1].bed",
        "An outpatient encounter takes no bed.",
    ),
    (
        _set(("initial", "beds", 0, "department"), "ICU"),
        "initial.beds[0].department",
        'No department "ICU" in initial.departments.',
    ),
    (
        _set(("initial", "orders", 0, "encounter"), "E9"),
        "initial.orders[0].encounter",
        'No encounter "E9" in initial.encounters.',
    ),
    (
        _set(("initial", "orders", 0, "drug"), "ASPIRIN"),
        "initial.orders[0].drug",
        'No drug "ASPIRIN" in initial.formulary.',
    ),
    (
        _set(("initial", "order_sets", 0, "items", 0, "test"), "MRI"),
        "initial.order_sets[0].items[0].test",
        'No test "MRI" in initial.tests.',
    ),
    (
        _set(("initial", "order_sets", 0, "items", 0, "test"), "CXR"),
        "initial.order_sets[0].items[0].test",
        'Test "CXR" is a imaging test, not lab.',
    ),
    (
        _set(("initial", "order_sets", 0, "items", 1, "drug"), "NOPE"),
        "initial.order_sets[0].items[1].drug",
        'No drug "NOPE" in initial.formulary.',
    ),
    (
        _set(("initial", "charges", 0, "code"), "MRI"),
        "initial.charges[0].code",
        'No price list item "MRI" in initial.price_list.',
    ),
    (
        _set(("initial", "charges", 0, "encounter"), "E9"),
        "initial.charges[0].encounter",
        'No encounter "E9" in initial.encounters.',
    ),
    (
        _set(("initial", "payments", 0, "charges"), ["C999"]),
        "initial.payments[0].charges[0]",
        'No charge "C999" in initial.charges.',
    ),
    (
        _set(("initial", "users", 0, "roles"), ["boss"]),
        "initial.users[0].roles[0]",
        'No role "boss" in initial.roles.',
    ),
    (
        _set(("initial", "users", 0, "department"), "HR"),
        "initial.users[0].department",
        'No department "HR" in initial.departments.',
    ),
    (
        _set(("tasks", 1, "id"), "allergy"),
        "tasks[1].id",
        'Duplicate task id "allergy" (also tasks[0]).',
    ),
    (
        _set(("tasks", 0, "checks", 1, "id"), "not-signed"),
        "tasks[0].checks[1].id",
        'Duplicate check id "not-signed" in this task (also checks[0]).',
    ),
    (
        _set((*CHECK0, "type"), "exist"),
        "tasks[0].checks[0].type",
        "Expected one of: exists, not_exists, count, field, action, alert, within, errors; got "
        '"exist".',
    ),
    (
        _set((*CHECK0, "collection"), "order"),
        "tasks[0].checks[0].collection",
        'Unknown collection "order"; expected one of: patients, encounters, orders, alerts, '
        "administrations, "
        "vitals, charges, payments, refunds, users, beds.",
    ),
    (
        _set((*CHECK0, "where"), {"status": {"equals": "signed"}}),
        "tasks[0].checks[0].where.status",
        'Unknown matcher operator "equals"; expected one of: eq, ne, in, not_in, contains, '
        "not_contains, gte, lte, empty.",
    ),
    (
        _set((*CHECK0, "where"), {"status": {"in": "signed"}}),
        "tasks[0].checks[0].where.status",
        "The in operator takes a list.",
    ),
    (
        _set((*CHECK0, "where"), {"dose": {"gte": 1, "lte": 3}}),
        "tasks[0].checks[0].where.dose",
        "A matcher object takes exactly one operator (one of: eq, ne, in, not_in, contains, "
        "not_contains, gte, lte, empty).",
    ),
    (
        _set((*CHECK0, "seconds"), 30),
        "tasks[0].checks[0].seconds",
        "Unknown field; expected one of: id, description, type, weight, critical, collection, "
        "where.",
    ),
    (
        _set(("tasks", 1, "checks", 1, "action", "type"), "administre"),
        "tasks[1].checks[1].action.type",
        'Unknown action type "administre"; expected one of: ',
    ),
    (
        _set(("tasks", 1, "checks", 1, "before", "type"), "scan"),
        "tasks[1].checks[1].before.type",
        'Unknown action type "scan"; expected one of: ',
    ),
    (
        _set(("tasks", 0, "checks", 0), check("c", "count", collection="orders")),
        "tasks[0].checks[0]",
        "A count check needs equals, min or max.",
    ),
    (
        _set(
            ("tasks", 0, "checks", 0),
            check("c", "field", collection="orders", entity="O1", field="status"),
        ),
        "tasks[0].checks[0].value",
        "Required, but missing.",
    ),
    (_set(("tasks",), []), "tasks", "Expected at least 1 item(s)."),
]


@pytest.mark.parametrize(
    ("change", "path", "message"), BAD, ids=[case[1] + ":" + case[2][:30] for case in BAD]
)
def test_bad_scenarios_report_the_path_and_what_is_wrong(change, path, message):
    data = scenario_dict()
    change(data)
    with pytest.raises(ScenarioInvalid) as caught:
        scenario_load(data)
    errors = caught.value.errors
    assert any(p == path and m.startswith(message) for p, m in errors), errors


def test_every_problem_is_reported_at_once():
    data = scenario_dict()
    data["initial"]["encounters"][0]["patient"] = "MRN9"
    data["initial"]["orders"][0]["drug"] = "NOPE"
    with pytest.raises(ScenarioInvalid) as caught:
        scenario_load(data)
    assert [path for path, _message in caught.value.errors] == [
        "initial.encounters[0].patient",
        "initial.orders[0].drug",
    ]
    assert "initial.encounters[0].patient: No patient" in str(caught.value)


def test_unreadable_text_and_wrong_top_level():
    with pytest.raises(ScenarioInvalid) as caught:
        scenario_load("title: [unclosed")
    assert caught.value.errors[0][0] == ""
    with pytest.raises(ScenarioInvalid) as caught:
        scenario_load("[1, 2]")
    assert caught.value.errors == [("", "Expected object, got [1, 2].")]


def test_defaults_fill_in():
    data = scenario_dict()
    del data["initial"]
    scenario = scenario_load(data)
    assert scenario.formulary == {}
    assert scenario.tasks[1].weight == 1


def test_engine_imports_no_django():
    code = (
        "import sys; import assessments.simulation as s; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], "
        "'django imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ENGINE.parents[1])
    for source in ENGINE.glob("*.py"):
        assert (
            "import django" not in source.read_text() and "from django" not in source.read_text()
        ), source


def test_messages_use_the_translate_hook_at_call_time():
    from assessments.simulation import messages

    original = messages.translate
    messages.translate = lambda template: template.replace("Required, but missing.", "缺少必填项。")
    try:
        data = scenario_dict()
        del data["title"]["zh"]
        with pytest.raises(ScenarioInvalid) as caught:
            scenario_load(data)
    finally:
        messages.translate = original
    assert caught.value.errors == [("title.zh", "缺少必填项。")]


def test_a_broken_translation_falls_back_to_the_template():
    from assessments.simulation import messages

    original = messages.translate
    messages.translate = lambda template: "%(nope)s"
    try:
        assert messages.say("Found %(count)s.", count=2) == "Found 2."
    finally:
        messages.translate = original


# ---------------------------------------------------------------------------------------------
# Action files


def test_actions_parse_a_list_a_wrapper_json_and_yaml():
    actions = [{"type": "patient_open", "patient": "MRN1", "t": 3}]
    assert actions_parse(actions) == actions
    assert actions_parse({"actions": actions, "expect": {"passed": True}}) == actions
    assert actions_parse(json.dumps({"actions": actions})) == actions
    assert actions_parse("- type: patient_open\n  patient: MRN1\n  t: 3\n") == actions


def test_actions_parse_reports_bad_items():
    with pytest.raises(ActionsInvalid) as caught:
        actions_parse(
            [{"type": "patient_open"}, {"type": "fly"}, "x", {"type": "patient_search", "t": -1}]
        )
    paths = [path for path, _message in caught.value.errors]
    assert paths == ["actions[1].type", "actions[2]", "actions[3].t"]
    assert caught.value.errors[0][1].startswith('Unknown action type "fly"')
    with pytest.raises(ActionsInvalid) as caught:
        actions_parse({"steps": []})
    assert caught.value.errors == [("actions", "Expected a list of actions.")]
