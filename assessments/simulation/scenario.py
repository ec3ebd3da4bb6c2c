"""Scenario files: loading (JSON or YAML), validation, the Scenario object, and action files.

Validation runs once, in `scenario_load`: the JSON Schema (scenario.schema.json) for shape, then
the semantic checks below (references, duplicate ids, matchers, action types), all reported in one
ScenarioInvalid with (path, message) pairs. Grading never touches jsonschema.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import jsonschema
import yaml

from . import checks
from .actions import ACTIONS
from .messages import gettext_noop, say
from .util import clone, fmt

SCENARIO_SCHEMA = json.loads((Path(__file__).parent / "scenario.schema.json").read_text("utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCENARIO_SCHEMA)

SLUG_PATTERN = "^[a-z0-9-]+$"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PATTERN_HINTS = {
    SLUG_PATTERN: gettext_noop("lowercase letters, digits and hyphens"),
    DATE_PATTERN: gettext_noop("a date written YYYY-MM-DD"),
}


class _Invalid(Exception):
    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.errors))


class ScenarioInvalid(_Invalid):
    """The scenario does not validate; `errors` lists (path, message) pairs."""


class ActionsInvalid(_Invalid):
    """An actions file does not parse; `errors` lists (path, message) pairs."""


@dataclass(frozen=True, eq=False)
class Check:
    task: str
    id: str
    key: str  # "task.check", as reported
    description: dict
    type: str
    weight: float
    critical: bool
    spec: dict  # the check as written


@dataclass(frozen=True, eq=False)
class Task:
    id: str
    instruction: dict
    weight: float
    critical: bool
    checks: tuple


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario. The lookup tables are the parts of `initial` that never change
    (formulary, tests, price list...); what the actions change is built by `state_initial`.
    `cache` holds what is compiled once per scenario (initial state, check evaluators)."""

    definition: dict
    slug: str
    version: int
    title: dict
    brief: dict
    role: str
    time_limit_minutes: int
    pass_mark: float
    benchmark_seconds: float
    user: dict
    tasks: tuple
    departments: dict
    formulary: dict
    drug_barcodes: dict
    tests: dict
    order_sets: dict
    price_list: dict
    roles: dict
    pins: dict  # username -> PIN; kept out of the state so no screen can show it
    cache: dict = field(default_factory=dict, repr=False)

    @property
    def checks(self):
        return [check for task in self.tasks for check in task.checks]


# ---------------------------------------------------------------------------------------------
# Loading


def scenario_load(source) -> Scenario:
    """A Scenario from a dict or JSON/YAML text; raises ScenarioInvalid listing every problem."""
    data = _parse(source, ScenarioInvalid)
    errors = schema_errors(data)
    if not errors:
        errors = semantic_errors(data)
    if errors:
        raise ScenarioInvalid(errors)
    return _build(clone(data))


def scenario_dump(scenario: Scenario) -> dict:
    """The definition as loaded: scenario_load(scenario_dump(s)) gives an equal scenario."""
    return clone(scenario.definition)


def _build(data: dict) -> Scenario:
    initial = data.get("initial") or {}
    take = lambda key: initial.get(key) or []  # noqa: E731
    formulary = {item["code"]: item for item in take("formulary")}
    return Scenario(
        definition=data,
        slug=data["slug"],
        version=data["version"],
        title=data["title"],
        brief=data["brief"],
        role=data["role"],
        time_limit_minutes=data["time_limit_minutes"],
        pass_mark=data["pass_mark"],
        benchmark_seconds=data["benchmark_seconds"],
        user=data["user"],
        tasks=tuple(_task(item) for item in data["tasks"]),
        departments={item["code"]: item for item in take("departments")},
        formulary=formulary,
        drug_barcodes={d["barcode"]: code for code, d in formulary.items() if d.get("barcode")},
        tests={item["code"]: item for item in take("tests")},
        order_sets={item["code"]: item for item in take("order_sets")},
        price_list={item["code"]: item for item in take("price_list")},
        roles={item["code"]: item for item in take("roles")},
        pins={u["username"]: str(u["pin"]) for u in take("users") if u.get("pin") is not None},
    )


def _task(item: dict) -> Task:
    critical = bool(item.get("critical", False))
    return Task(
        id=item["id"],
        instruction=item["instruction"],
        weight=item.get("weight", 1),
        critical=critical,
        checks=tuple(
            Check(
                task=item["id"],
                id=spec["id"],
                key=f"{item['id']}.{spec['id']}",
                description=spec["description"],
                type=spec["type"],
                weight=spec.get("weight", 1),
                critical=critical or bool(spec.get("critical", False)),
                spec=spec,
            )
            for spec in item["checks"]
        ),
    )


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as the strings they were written as (dob: 1958-03-14)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse(source, error_class):
    if isinstance(source, bytes | bytearray):
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise error_class([("", say(gettext_noop("The file is not UTF-8 text.")))]) from None
    if not isinstance(source, str):
        return source
    try:
        return json.loads(source) if source.lstrip()[:1] in ("{", "[") else _yaml(source)
    except ValueError:
        try:
            return _yaml(source)
        except yaml.YAMLError as error:
            raise error_class([("", _unreadable(error))]) from None
    except yaml.YAMLError as error:
        raise error_class([("", _unreadable(error))]) from None


def _yaml(text: str):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def _unreadable(error) -> str:
    return say(gettext_noop("The text is neither valid JSON nor YAML: %(error)s"), error=error)


# ---------------------------------------------------------------------------------------------
# Schema errors, worded for people


def path_text(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def schema_errors(data) -> list:
    errors = []
    for error in _VALIDATOR.iter_errors(data):
        errors.extend(_worded(error))
    return _unique(sorted(errors, key=lambda pair: _sort_key(pair[0])))


def _sort_key(path: str):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]


def _unique(errors: list) -> list:
    seen, out = set(), []
    for pair in errors:
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def _worded(error) -> list:
    path = list(error.absolute_path)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [key for key in expected if key not in value]
        return [
            (path_text(path + [key]), say(gettext_noop("Required, but missing.")))
            for key in missing
        ]
    if kind == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        extra = [key for key in value if key not in error.schema.get("properties", {})]
        message = gettext_noop("Unknown field; expected one of: %(allowed)s.")
        return [(path_text(path + [key]), say(message, allowed=allowed)) for key in extra]
    return [(path_text(path), _message(kind, expected, value, error))]


def _message(kind, expected, value, error) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return say(
            gettext_noop("Expected %(expected)s, got %(value)s."), expected=wanted, value=shown
        )
    if kind == "enum":
        choices = ", ".join(fmt(choice) for choice in expected)
        return say(
            gettext_noop("Expected one of: %(choices)s; got %(value)s."),
            choices=choices,
            value=shown,
        )
    if kind == "const":
        return say(
            gettext_noop("Expected %(expected)s, got %(value)s."),
            expected=json.dumps(expected),
            value=shown,
        )
    if kind == "pattern":
        hint = say(PATTERN_HINTS[expected]) if expected in PATTERN_HINTS else expected
        return say(
            gettext_noop("%(value)s is not in the expected form (%(expected)s)."),
            value=shown,
            expected=hint,
        )
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return say(BOUNDS[kind], limit=fmt(expected), value=shown)
    if kind == "minItems":
        return say(gettext_noop("Expected at least %(limit)s item(s)."), limit=expected)
    if kind == "minLength":
        return say(gettext_noop("Must not be empty."))
    return error.message


BOUNDS = {
    "minimum": gettext_noop("Expected a number of at least %(limit)s, got %(value)s."),
    "maximum": gettext_noop("Expected a number of at most %(limit)s, got %(value)s."),
    "exclusiveMinimum": gettext_noop("Expected a number greater than %(limit)s, got %(value)s."),
    "exclusiveMaximum": gettext_noop("Expected a number less than %(limit)s, got %(value)s."),
}


# ---------------------------------------------------------------------------------------------
# Semantic errors (on data that passed the schema)

NOUNS = {
    "departments": gettext_noop("department"),
    "beds": gettext_noop("bed"),
    "patients": gettext_noop("patient"),
    "encounters": gettext_noop("encounter"),
    "formulary": gettext_noop("drug"),
    "tests": gettext_noop("test"),
    "order_sets": gettext_noop("order set"),
    "orders": gettext_noop("order"),
    "price_list": gettext_noop("price list item"),
    "charges": gettext_noop("charge"),
    "payments": gettext_noop("payment"),
    "roles": gettext_noop("role"),
    "users": gettext_noop("user"),
}
KEYS = {
    "users": "username",
    "departments": "code",
    "formulary": "code",
    "tests": "code",
    "order_sets": "code",
    "price_list": "code",
    "roles": "code",
}


class _Errors(list):
    def add(self, path, template, **params):
        self.append((path, say(template, **params)))


def semantic_errors(data: dict) -> list:
    errors = _Errors()
    initial = data.get("initial") or {}
    ids = _check_unique_ids(initial, errors)
    _check_references(initial, ids, errors)
    _check_tasks(data["tasks"], errors)
    return list(errors)


def _items(initial: dict, name: str):
    return list(enumerate(initial.get(name) or []))


def _check_unique_ids(initial: dict, errors: _Errors) -> dict:
    ids = {}
    for name in NOUNS:
        ids[name] = _unique_values(initial, name, KEYS.get(name, "id"), errors)
    _unique_values(initial, "patients", "wristband", errors, default=lambda item: "WB" + item["id"])
    _unique_values(initial, "formulary", "barcode", errors)
    return ids


def _unique_values(initial: dict, name: str, key: str, errors: _Errors, default=None) -> dict:
    seen = {}
    for index, item in _items(initial, name):
        value = item.get(key) or (default(item) if default else None)
        if value is None:
            continue
        if value in seen:
            errors.add(
                f"initial.{name}[{index}].{key}",
                gettext_noop(
                    'Duplicate %(key)s "%(value)s" (also at initial.%(name)s[%(other)s]).'
                ),
                key=key,
                value=value,
                name=name,
                other=seen[value],
            )
        else:
            seen[value] = index
    return seen


def _ref(errors, ids, path, name, value):
    if value is not None and value not in ids[name]:
        errors.add(
            path,
            gettext_noop('No %(noun)s "%(id)s" in initial.%(name)s.'),
            noun=say(NOUNS[name]),
            id=value,
            name=name,
        )
        return False
    return value is not None


def _check_references(initial: dict, ids: dict, errors: _Errors) -> None:
    def at(name, index, key):
        return f"initial.{name}[{index}].{key}"

    for i, bed in _items(initial, "beds"):
        _ref(errors, ids, at("beds", i, "department"), "departments", bed["department"])
    for i, patient in _items(initial, "patients"):
        _check_date(errors, at("patients", i, "dob"), patient["dob"])
    beds = {bed["id"]: bed for bed in initial.get("beds") or []}
    for i, encounter in _items(initial, "encounters"):
        _check_encounter(errors, ids, beds, f"initial.encounters[{i}]", encounter)
    _check_bed_sharing(initial, errors)
    tests = {test["code"]: test for test in initial.get("tests") or []}
    for i, order in _items(initial, "orders"):
        _ref(errors, ids, at("orders", i, "encounter"), "encounters", order["encounter"])
        _check_order_spec(errors, ids, tests, f"initial.orders[{i}]", order)
    for i, order_set in _items(initial, "order_sets"):
        for j, item in enumerate(order_set["items"]):
            _check_order_spec(errors, ids, tests, f"initial.order_sets[{i}].items[{j}]", item)
    for i, charge in _items(initial, "charges"):
        _ref(errors, ids, at("charges", i, "encounter"), "encounters", charge["encounter"])
        _ref(errors, ids, at("charges", i, "code"), "price_list", charge["code"])
    for i, payment in _items(initial, "payments"):
        _ref(errors, ids, at("payments", i, "encounter"), "encounters", payment["encounter"])
        for j, charge in enumerate(payment["charges"]):
            _ref(errors, ids, f"initial.payments[{i}].charges[{j}]", "charges", charge)
    for i, user in _items(initial, "users"):
        _ref(errors, ids, at("users", i, "department"), "departments", user.get("department"))
        for j, role in enumerate(user.get("roles") or []):
            _ref(errors, ids, f"initial.users[{i}].roles[{j}]", "roles", role)


def _check_date(errors, path, value):
    try:
        born = date.fromisoformat(value)
    except ValueError:
        errors.add(
            path, gettext_noop('"%(value)s" is not a real date (expected YYYY-MM-DD).'), value=value
        )
        return
    if born > date.today():
        errors.add(path, gettext_noop('"%(value)s" is in the future.'), value=value)


def _check_encounter(errors, ids, beds, path, encounter):
    _ref(errors, ids, path + ".patient", "patients", encounter["patient"])
    _ref(errors, ids, path + ".department", "departments", encounter["department"])
    bed = encounter.get("bed")
    if encounter["kind"] == "outpatient" and bed:
        errors.add(path + ".bed", gettext_noop("An outpatient encounter takes no bed."))
    elif (
        _ref(errors, ids, path + ".bed", "beds", bed)
        and beds[bed]["department"] != encounter["department"]
    ):
        errors.add(
            path + ".bed",
            gettext_noop('Bed "%(bed)s" belongs to %(department)s, not %(expected)s.'),
            bed=bed,
            department=beds[bed]["department"],
            expected=encounter["department"],
        )


def _check_bed_sharing(initial, errors):
    taken = {}
    for i, encounter in _items(initial, "encounters"):
        bed = encounter.get("bed")
        if not bed or encounter.get("status", "open") != "open":
            continue
        if bed in taken:
            errors.add(
                f"initial.encounters[{i}].bed",
                gettext_noop('Bed "%(bed)s" is already taken by encounter %(other)s.'),
                bed=bed,
                other=taken[bed],
            )
        taken[bed] = encounter["id"]


def _check_order_spec(errors, ids, tests, path, spec):
    if spec["kind"] == "medication":
        if spec.get("drug") is None:
            errors.add(path + ".drug", gettext_noop("A medication order needs a drug."))
        _ref(errors, ids, path + ".drug", "formulary", spec.get("drug"))
        return
    test = spec.get("test")
    if test is None:
        errors.add(
            path + ".test", gettext_noop("A %(kind)s order needs a test."), kind=spec["kind"]
        )
    elif _ref(errors, ids, path + ".test", "tests", test) and tests[test]["kind"] != spec["kind"]:
        errors.add(
            path + ".test",
            gettext_noop('Test "%(test)s" is a %(actual)s test, not %(kind)s.'),
            test=test,
            actual=tests[test]["kind"],
            kind=spec["kind"],
        )


def _check_tasks(tasks: list, errors: _Errors) -> None:
    seen_tasks = {}
    for i, task in enumerate(tasks):
        if task["id"] in seen_tasks:
            errors.add(
                f"tasks[{i}].id",
                gettext_noop('Duplicate task id "%(id)s" (also tasks[%(other)s]).'),
                id=task["id"],
                other=seen_tasks[task["id"]],
            )
        seen_tasks.setdefault(task["id"], i)
        seen_checks = {}
        for j, check in enumerate(task["checks"]):
            path = f"tasks[{i}].checks[{j}]"
            if check["id"] in seen_checks:
                errors.add(
                    path + ".id",
                    gettext_noop(
                        'Duplicate check id "%(id)s" in this task (also checks[%(other)s]).'
                    ),
                    id=check["id"],
                    other=seen_checks[check["id"]],
                )
            seen_checks.setdefault(check["id"], j)
            _check_check(check, path, errors)


def _check_check(check: dict, path: str, errors: _Errors) -> None:
    collection = check.get("collection")
    if collection is not None and collection not in checks.CHECK_COLLECTIONS:
        errors.add(
            path + ".collection",
            gettext_noop('Unknown collection "%(name)s"; expected one of: %(choices)s.'),
            name=collection,
            choices=", ".join(checks.CHECK_COLLECTIONS),
        )
    if check["type"] == "count" and not any(key in check for key in ("equals", "min", "max")):
        errors.add(path, gettext_noop("A count check needs equals, min or max."))
    for key in ("where",):
        for field_name, matcher in (check.get(key) or {}).items():
            _check_matcher(errors, f"{path}.{key}.{field_name}", matcher)
    if check["type"] == "field":
        _check_matcher(errors, path + ".value", check["value"])
    for key in ("action", "before"):
        if key in check:
            _check_action_matcher(errors, f"{path}.{key}", check[key])


def _check_action_matcher(errors, path, spec):
    if spec["type"] not in ACTIONS:
        errors.add(
            path + ".type",
            gettext_noop('Unknown action type "%(type)s"; expected one of: %(choices)s.'),
            type=spec["type"],
            choices=", ".join(ACTIONS),
        )
    for key, matcher in spec.items():
        if key != "type":
            _check_matcher(errors, f"{path}.{key}", matcher)


def _check_matcher(errors, path, matcher):
    problem = checks.matcher_problem(matcher)
    if problem:
        errors.append((path, problem))


# ---------------------------------------------------------------------------------------------
# Action files


def actions_parse(source) -> list:
    """The actions of a JSON/YAML list or {"actions": [...]} (other keys, like a solution's
    "expect", are ignored); raises ActionsInvalid for anything that is not a list of actions."""
    data = _parse(source, ActionsInvalid)
    if isinstance(data, dict) and "actions" in data:
        data = data["actions"]
    if not isinstance(data, list):
        raise ActionsInvalid([("actions", say(gettext_noop("Expected a list of actions.")))])
    errors = _Errors()
    for index, action in enumerate(data):
        _check_action_item(errors, f"actions[{index}]", action)
    if errors:
        raise ActionsInvalid(errors)
    return [dict(action) for action in data]


def _check_action_item(errors, path, action):
    if not isinstance(action, dict):
        errors.add(path, gettext_noop("Expected an action object with a type."))
        return
    kind = action.get("type")
    if not isinstance(kind, str) or kind not in ACTIONS:
        errors.add(
            path + ".type",
            gettext_noop('Unknown action type "%(type)s"; expected one of: %(choices)s.'),
            type=fmt(kind),
            choices=", ".join(ACTIONS),
        )
    t = action.get("t")
    if t is not None and (isinstance(t, bool) or not isinstance(t, int | float) or t < 0):
        errors.add(
            path + ".t", gettext_noop("Expected seconds since the start (a number, 0 or more).")
        )
