"""Grading an attempt: fold the log once (no copies), run the scenario's compiled checks, weigh.

task score = 100 x (weight of passed checks) / (weight of all its checks); score = the task
scores weighted by task weight; both rounded half-up to 2 decimals (the total is computed from
the unrounded task scores). passed = score >= pass_mark and no critical check failed.
"""

from dataclasses import dataclass, field

from .actions import state_fold
from .checks import check_compile
from .util import clone, money, number


def evaluators(scenario) -> list:
    """[(Check, evaluate)] compiled once per scenario and cached on it."""
    compiled = scenario.cache.get("evaluators")
    if compiled is None:
        compiled = scenario.cache["evaluators"] = [
            (check, check_compile(check.spec)) for check in scenario.checks
        ]
    return compiled


def passing_keys(scenario, state) -> list:
    """The "task.check" keys passing in this state, in scenario order (for replay)."""
    return [check.key for check, evaluate in evaluators(scenario) if evaluate(state)[0]]


@dataclass
class CheckResult:
    task: str
    id: str
    description: dict
    passed: bool
    critical: bool
    weight: float
    why: str

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "id": self.id,
            "description": clone(self.description),
            "passed": self.passed,
            "critical": self.critical,
            "weight": self.weight,
            "why": self.why,
        }


@dataclass
class TaskResult:
    id: str
    weight: float
    score: float
    critical: bool
    checks: list

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "weight": self.weight,
            "score": self.score,
            "critical": self.critical,
            "checks": [check.to_dict() for check in self.checks],
        }


@dataclass
class Result:
    scenario: str
    version: int
    score: float
    passed: bool
    pass_mark: float
    critical_failures: list
    tasks: list
    errors: list
    elapsed_seconds: float
    benchmark_seconds: float
    efficiency: float
    state: object = field(default=None, repr=False)  # the final State, for callers that show it

    @property
    def failed_checks(self) -> list:
        return [f"{c.task}.{c.id}" for task in self.tasks for c in task.checks if not c.passed]

    def to_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "version": self.version,
            "score": self.score,
            "passed": self.passed,
            "pass_mark": self.pass_mark,
            "critical_failures": list(self.critical_failures),
            "tasks": [task.to_dict() for task in self.tasks],
            "errors": clone(self.errors),
            "error_count": len(self.errors),
            "elapsed_seconds": self.elapsed_seconds,
            "benchmark_seconds": self.benchmark_seconds,
            "efficiency": self.efficiency,
        }


def grade(scenario, actions, elapsed=None, today=None, pass_mark=None) -> Result:
    """Grade a log of actions (on the HIS date `today`, see State.today), passing at the
    scenario's pass mark or the one given (an exam's). Deterministic; never raises for a list
    of dicts."""
    mark = scenario.pass_mark if pass_mark is None else float(pass_mark)
    state = state_fold(scenario, actions, today)
    outcomes = {check.key: evaluate(state) for check, evaluate in evaluators(scenario)}
    tasks, total, weights = [], 0.0, 0.0
    for task in scenario.tasks:
        checks = [_check_result(check, *outcomes[check.key]) for check in task.checks]
        raw = _task_score(checks)
        tasks.append(TaskResult(task.id, task.weight, money(raw), task.critical, checks))
        total += task.weight * raw
        weights += task.weight
    score = money(total / weights) if weights else 0.0
    failures = [f"{c.task}.{c.id}" for t in tasks for c in t.checks if c.critical and not c.passed]
    seconds = _elapsed(state, elapsed)
    return Result(
        scenario=scenario.slug,
        version=scenario.version,
        score=score,
        passed=score >= mark and not failures,
        pass_mark=mark,
        critical_failures=failures,
        tasks=tasks,
        errors=state.errors,
        elapsed_seconds=seconds,
        benchmark_seconds=scenario.benchmark_seconds,
        efficiency=_efficiency(scenario.benchmark_seconds, seconds),
        state=state,
    )


def _check_result(check, passed, why) -> CheckResult:
    return CheckResult(
        check.task, check.id, check.description, passed, check.critical, check.weight, why
    )


def _task_score(checks: list) -> float:
    weights = sum(check.weight for check in checks)
    passed = sum(check.weight for check in checks if check.passed)
    return 100.0 * passed / weights if weights else 0.0


def _elapsed(state, elapsed) -> float:
    seconds = number(elapsed) if elapsed is not None else None
    if seconds is None:
        seconds = state.last_t()
    return float(round(max(0.0, seconds), 3))


def _efficiency(benchmark, elapsed: float) -> float:
    if elapsed <= 0:
        return 1.0
    return round(min(1.0, benchmark / elapsed), 2)
