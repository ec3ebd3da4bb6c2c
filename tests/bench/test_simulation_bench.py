"""The simulation grading bench, run at a tiny scale: it picks the largest starter scenario, builds
attempts from every one of its solutions deterministically, grades them as their files expect and
reports the target line. Nothing here is about speed."""

import subprocess
import sys
from pathlib import Path

from bench.simulation import (
    attempts_build,
    expected_passed,
    jittered,
    largest_scenario,
    main,
    solutions,
)

ROOT = Path(__file__).resolve().parents[2]


def test_small_run_grades_every_solution_as_expected(capsys):
    slug, actions = largest_scenario()
    named = solutions(slug)

    figures = main(["--attempts", str(2 * len(named))])

    out = capsys.readouterr().out
    assert figures["scenario"] == slug and figures["reference_actions"] == actions
    assert figures["attempts"] == 2 * len(named)
    assert figures["mix"] == {name: 2 for name in named}
    assert figures["as_expected"] == figures["attempts"]
    assert figures["passed"] == 2 * sum(expected_passed(slug).values())
    assert figures["per_attempt_ms"] > 0
    assert f"scenario: {slug}" in out
    assert "ms per attempt" in out and "× the 5 ms target" in out
    assert out.strip().splitlines()[-1].split()[0] in {"PASS", "FAIL"}


def test_attempts_are_deterministic_and_stay_in_order():
    named = solutions(largest_scenario()[0])
    first = attempts_build(named, 6, seed=7)
    assert first == attempts_build(named, 6, seed=7)
    assert first != attempts_build(named, 6, seed=8)
    for name, actions in first:
        times = [a["t"] for a in actions]
        assert times == sorted(times)
        assert [{k: v for k, v in a.items() if k != "t"} for a in actions] == [
            {k: v for k, v in a.items() if k != "t"} for a in named[name]
        ]


def test_jitter_keeps_a_missing_t_as_the_previous_one():
    import random

    actions = [{"type": "patient_search", "query": "x", "t": 10}, {"type": "patient_search"}]
    out = jittered(actions, random.Random(1))
    assert out[0]["t"] > 0 and out[1]["t"] == out[0]["t"]


def test_module_runs_and_exits_zero():
    run = subprocess.run(
        [sys.executable, "-m", "bench.simulation", "--attempts", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "grade 3 attempts" in run.stdout
