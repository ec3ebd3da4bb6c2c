"""The starter pack: every scenario loads, is bilingual, and every solution grades as its file says.

Each solution file carries `expect: {passed, failed_checks}`; the test grades its actions and
compares the set of failed check ids ("task.check") and the pass/fail verdict. Reference solutions
score exactly 100. Plain pytest: no database, no Django.
"""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assessments.simulation import actions_parse, grade, scenario_load, state_fold

STARTER = Path(__file__).resolve().parents[2] / "assessments" / "simulation" / "starter"
SOLUTIONS = STARTER / "solutions"
ROLES = ("doctor", "nurse", "cashier", "admin")
SOLUTION_NAME = re.compile(r"^(reference|flawed-[a-z0-9-]+)$")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _read(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


SCENARIO_FILES = sorted(STARTER.glob("*.yaml"))
SLUGS = [path.stem for path in SCENARIO_FILES]
SOLUTION_FILES = sorted(SOLUTIONS.glob("*/*.yaml"))


def _scenario(slug: str):
    return scenario_load((STARTER / f"{slug}.yaml").read_text(encoding="utf-8"))


def _failed(result: dict) -> set[str]:
    return {
        f"{check['task']}.{check['id']}"
        for task in result["tasks"]
        for check in task["checks"]
        if not check["passed"]
    }


def _check_ids(definition: dict) -> set[str]:
    return {
        f"{task['id']}.{check['id']}" for task in definition["tasks"] for check in task["checks"]
    }


def test_the_pack_has_two_scenarios_per_role_at_least():
    assert len(SCENARIO_FILES) >= 8
    roles = Counter(_read(path)["role"] for path in SCENARIO_FILES)
    for role in ROLES:
        assert roles[role] >= 2, f"{role}: {roles[role]} scenario(s)"


@pytest.mark.parametrize("slug", SLUGS)
def test_scenario_loads_and_is_named_after_its_file(slug):
    scenario = _scenario(slug)
    definition = _read(STARTER / f"{slug}.yaml")
    assert definition["slug"] == slug
    assert scenario is not None
    assert 2 <= len(definition["tasks"]) <= 4
    assert 0 < definition["pass_mark"] <= 100
    assert 120 <= definition["benchmark_seconds"] <= 400


@pytest.mark.parametrize("slug", SLUGS)
def test_scenario_text_is_bilingual(slug):
    definition = _read(STARTER / f"{slug}.yaml")
    texts = {"title": definition["title"], "brief": definition["brief"]}
    for task in definition["tasks"]:
        texts[f"tasks.{task['id']}.instruction"] = task["instruction"]
        for check in task["checks"]:
            texts[f"tasks.{task['id']}.{check['id']}.description"] = check["description"]
    for where, text in texts.items():
        assert text.get("en", "").strip(), f"{where}: no English"
        assert text.get("zh", "").strip(), f"{where}: no Chinese"
        assert CJK.search(text["zh"]), f"{where}: the Chinese text has no Chinese characters"
        assert text["en"] != text["zh"], f"{where}: the same text in both languages"


@pytest.mark.parametrize("slug", SLUGS)
def test_scenario_has_critical_checks_and_solutions(slug):
    definition = _read(STARTER / f"{slug}.yaml")
    critical = [
        check
        for task in definition["tasks"]
        for check in task["checks"]
        if check.get("critical") or task.get("critical")
    ]
    assert critical, "no critical check: patient safety, money or access is at stake in each"
    names = {path.stem for path in (SOLUTIONS / slug).glob("*.yaml")}
    assert "reference" in names
    assert any(name.startswith("flawed-") for name in names)


def test_every_solution_belongs_to_a_scenario():
    directories = {path.name for path in SOLUTIONS.iterdir() if path.is_dir()}
    assert directories == set(SLUGS), "solution directories without a scenario, or the reverse"
    strays = [path.name for path in SOLUTIONS.iterdir() if not path.is_dir()]
    assert not strays
    for directory in directories:
        for path in (SOLUTIONS / directory).iterdir():
            assert path.suffix == ".yaml" and SOLUTION_NAME.match(path.stem), path


@pytest.mark.parametrize(
    "path", SOLUTION_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in SOLUTION_FILES]
)
def test_solution_grades_as_expected(path):
    slug = path.parent.name
    definition = _read(STARTER / f"{slug}.yaml")
    data = _read(path)
    expect = data["expect"]
    expected = set(expect["failed_checks"])
    assert len(expected) == len(expect["failed_checks"]), "a check listed twice"
    assert expected <= _check_ids(definition), "expect names checks the scenario does not have"
    actions = actions_parse(data)
    times = [action["t"] for action in actions]
    assert times == sorted(times), "t goes backwards"
    assert times[-1] <= definition["time_limit_minutes"] * 60

    result = grade(_scenario(slug), actions).to_dict()

    assert _failed(result) == expected, [
        (check["task"], check["id"], check["why"])
        for task in result["tasks"]
        for check in task["checks"]
        if not check["passed"]
    ]
    assert result["passed"] is expect["passed"]
    if path.stem == "reference":
        assert result["score"] == 100.0
        assert result["passed"] is True
        assert result["error_count"] == 0, result["errors"]
    else:
        assert result["score"] < 100.0


@pytest.mark.parametrize("slug", SLUGS)
def test_some_flawed_solution_fails_on_a_critical_check(slug):
    scenario = _scenario(slug)
    critical = set()
    for path in (SOLUTIONS / slug).glob("flawed-*.yaml"):
        critical |= set(grade(scenario, actions_parse(_read(path))).to_dict()["critical_failures"])
    assert critical, "no flawed solution shows the scenario's critical trap"


def test_the_largest_reference_is_a_full_workload():
    """The benchmark grades the scenario with the longest reference solution: make it a real one."""
    counts = {
        slug: len(actions_parse(_read(SOLUTIONS / slug / "reference.yaml"))) for slug in SLUGS
    }
    largest = max(counts, key=counts.get)
    assert 40 <= counts[largest] <= 60, counts
    state = state_fold(
        _scenario(largest), actions_parse(_read(SOLUTIONS / largest / "reference.yaml"))
    )
    assert not state.as_dict()["errors"]


def _reference(slug: str) -> list[dict]:
    return actions_parse(_read(SOLUTIONS / slug / "reference.yaml"))


def _penicillin_cancelled(actions):
    """Cancels the amoxicillin order instead of accepting the alert (the alert stays pending)."""
    return [
        {"t": a["t"], "type": "order_cancel", "order": "O1"} if a["type"] == "alert_accept" else a
        for a in actions
    ]


def _penicillin_never_entered(actions):
    """Goes straight to azithromycin: no amoxicillin order, so no alert at all."""
    renumber = {"O2": "O1", "O3": "O2"}
    kept = [a for a in actions if a.get("drug") != "AMOX500" and a["type"] != "alert_accept"]
    return [{**a, "order": renumber[a["order"]]} if "order" in a else a for a in kept]


def _anticoagulant_switched(actions):
    """Overrides the duplicate alert, discontinues the rivaroxaban and signs the enoxaparin."""
    out = []
    for a in actions:
        if a["type"] == "alert_accept":
            t = a["t"]
            out += [
                {"t": t, "type": "alert_override", "alert": "A1", "reason": "Switch to LMWH"},
                {"t": t + 4, "type": "order_discontinue", "order": "O900", "reason": "On LMWH"},
                {"t": t + 6, "type": "order_sign", "order": "O3"},
            ]
        else:
            out.append(a)
    return out


@pytest.mark.parametrize(
    "slug, edit",
    [
        ("doctor-outpatient-penicillin-allergy", _penicillin_cancelled),
        ("doctor-outpatient-penicillin-allergy", _penicillin_never_entered),
        ("doctor-admission-order-set", _anticoagulant_switched),
    ],
    ids=["penicillin-cancelled", "penicillin-never-entered", "anticoagulant-switched"],
)
def test_the_other_ways_the_instructions_allow_also_score_100(slug, edit):
    result = grade(_scenario(slug), edit(_reference(slug))).to_dict()
    assert _failed(result) == set()
    assert result["score"] == 100.0 and result["error_count"] == 0, result["errors"]
