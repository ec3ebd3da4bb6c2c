"""Simulation grading benchmark: how long the engine takes to grade one practical-exam attempt.

    python -m bench.simulation [--attempts 1000] [--seed 2026]

Loads the largest scenario of the starter pack (the one whose reference solution has the most
actions), builds `--attempts` logged attempts from its solutions (the reference and every flawed
one in turn, each with its timings stretched and jittered by a seeded generator, so the same
seed gives the same attempts), then grades them all with `assessments.simulation.grade`, as
`manage.py simulation grade` and the examiner's screens do. The target (issue: grading an attempt
takes under 5 ms) is per attempt. No database and no Django: the engine is plain Python. Numbers
only: the PASS/FAIL line reports, nothing here fails on speed.
"""

import argparse
import gc
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from .generate import SEED
from .setup import peak_rss_mb

TARGET_MS = 5.0
STARTER = Path(__file__).resolve().parent.parent / "assessments" / "simulation" / "starter"


def _yaml(path: Path):
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def solution_files(slug: str, starter: Path = STARTER) -> list[Path]:
    """A scenario's solution files, the reference first, then the flawed ones by name."""
    paths = (starter / "solutions" / slug).glob("*.yaml")
    return sorted(paths, key=lambda p: (p.stem != "reference", p.stem))


def solutions(slug: str, starter: Path = STARTER) -> dict[str, list[dict]]:
    """A scenario's solutions by name (reference first), as parsed action lists."""
    from assessments.simulation import actions_parse

    return {path.stem: actions_parse(_yaml(path)) for path in solution_files(slug, starter)}


def expected_passed(slug: str, starter: Path = STARTER) -> dict[str, bool]:
    """Whether each solution is meant to pass (its file's `expect.passed`)."""
    return {path.stem: _yaml(path)["expect"]["passed"] for path in solution_files(slug, starter)}


def largest_scenario(starter: Path = STARTER) -> tuple[str, int]:
    """The starter scenario whose reference solution has the most actions, and that count."""
    counts = {
        path.stem: len(solutions(path.stem, starter)["reference"])
        for path in sorted(starter.glob("*.yaml"))
    }
    slug = max(counts, key=lambda s: (counts[s], s))
    return slug, counts[slug]


def jittered(actions: list[dict], rng: random.Random) -> list[dict]:
    """A copy of `actions` as another examinee might have logged them: the pace stretched by
    0.8-1.8 and every gap jittered by up to ±30% (times stay in order)."""
    pace = rng.uniform(0.8, 1.8)
    previous_source, clock, out = 0.0, 0.0, []
    for action in actions:
        source = float(action.get("t", previous_source))
        gap = max(0.0, source - previous_source) * pace * rng.uniform(0.7, 1.3)
        clock += gap
        previous_source = source
        out.append({**action, "t": round(clock, 1)})
    return out


def attempts_build(
    named: dict[str, list[dict]], count: int, *, seed: int = SEED
) -> list[tuple[str, list[dict]]]:
    """`count` attempts cycling through the solutions, each jittered (deterministic for a seed)."""
    rng = random.Random(seed)
    names = list(named)
    return [
        (names[i % len(names)], jittered(named[names[i % len(names)]], rng)) for i in range(count)
    ]


def grade_all(scenario, attempts: list[tuple[str, list[dict]]]) -> tuple[list[float], list[dict]]:
    """Grade every attempt; the seconds each one took and the result dicts."""
    from assessments.simulation import grade

    seconds, results = [], []
    for _name, actions in attempts:
        clock = time.perf_counter()
        result = grade(scenario, actions)
        seconds.append(time.perf_counter() - clock)
        results.append(result.to_dict())
    return seconds, results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(attempts: int = 1000, seed: int = SEED, starter: Path = STARTER) -> dict:
    """Build and grade the attempts; the figures the report prints."""
    from assessments.simulation import scenario_load

    slug, actions = largest_scenario(starter)
    scenario = scenario_load((starter / f"{slug}.yaml").read_text(encoding="utf-8"))
    named = solutions(slug, starter)
    expected = expected_passed(slug, starter)
    built = attempts_build(named, attempts, seed=seed)
    grade_all(scenario, built[:1])  # warm-up: first-use imports and caches are not measured

    gc.collect()
    cpu, clock = time.process_time(), time.perf_counter()
    seconds, results = grade_all(scenario, built)
    total, cpu = time.perf_counter() - clock, time.process_time() - cpu
    per_attempt_ms = 1000 * total / attempts if attempts else 0.0
    return {
        "scenario": slug,
        "reference_actions": actions,
        "solutions": list(named),
        "attempts": attempts,
        "mix": dict(Counter(name for name, _ in built)),
        "actions_mean": statistics.fmean(len(a) for _, a in built) if built else 0.0,
        "seconds": total,
        "cpu_seconds": cpu,
        "per_attempt_ms": per_attempt_ms,
        "p50_ms": 1000 * percentile(seconds, 0.50) if seconds else 0.0,
        "p95_ms": 1000 * percentile(seconds, 0.95) if seconds else 0.0,
        "max_ms": 1000 * max(seconds) if seconds else 0.0,
        "ratio": per_attempt_ms / TARGET_MS,
        "passed": sum(r["passed"] for r in results),
        "as_expected": sum(
            r["passed"] is expected[name] for (name, _), r in zip(built, results, strict=True)
        ),
        "mean_score": statistics.fmean(r["score"] for r in results) if results else 0.0,
        "peak_rss_mb": peak_rss_mb(),
    }


def report(figures: dict) -> str:
    mix = ", ".join(f"{name} {count:,}" for name, count in figures["mix"].items())
    verdict = "PASS" if figures["per_attempt_ms"] <= TARGET_MS else "FAIL"
    return "\n".join(
        [
            f"scenario: {figures['scenario']} (the largest starter scenario: "
            f"{figures['reference_actions']} actions in its reference solution, "
            f"{len(figures['solutions'])} solutions)",
            f"attempts: {figures['attempts']:,} ({mix}), "
            f"{figures['actions_mean']:.1f} actions each on average",
            f"grade {figures['attempts']:,} attempts: {figures['seconds']:.2f} s "
            f"(CPU {figures['cpu_seconds']:.2f} s), {figures['per_attempt_ms']:.2f} ms per attempt "
            f"({figures['ratio']:.2f} × the {TARGET_MS:g} ms target)",
            f"    per attempt: p50 {figures['p50_ms']:.2f} ms, p95 {figures['p95_ms']:.2f} ms, "
            f"max {figures['max_ms']:.2f} ms",
            f"results: {figures['passed']:,} passed, {figures['attempts'] - figures['passed']:,} "
            f"failed, mean score {figures['mean_score']:.1f}; "
            f"{figures['as_expected']:,} of {figures['attempts']:,} graded as their solution "
            "file expects",
            f"peak memory (maxrss): {figures['peak_rss_mb']:,.0f} MB",
            f"{verdict} {figures['per_attempt_ms']:.2f} ms per attempt "
            f"{'≤' if verdict == 'PASS' else '>'} {TARGET_MS:g} ms",
        ]
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        prog="python -m bench.simulation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    if args.attempts < 1:
        parser.error("--attempts must be at least 1")
    figures = run(args.attempts, args.seed)
    print(report(figures))
    return figures


if __name__ == "__main__":
    main()
