"""What a practical exam's trainers read across its attempts: for every check of the scenario,
the share of counted attempts that passed it (the steps people get wrong, critical ones first
to look at), and the attempts' mean score, efficiency and HIS errors.

It reads the results stored on the attempts (`Attempt.simulation`, written by the grading), in
one query whatever the number of attempts. Counted: finished and not excluded, as for the exam
outcome, and taken on the newest scenario version attempted (an edited check is another
check; attempts on older versions are only counted in `other_versions`). "Passed" is the
attempt's own outcome (the rubric included where the exam has one; None while it waits).
"""

from dataclasses import dataclass, field
from statistics import fmean

from django.utils.translation import get_language

from ..models import Attempt


@dataclass
class CheckStat:
    task: str
    id: str
    description: str
    critical: bool
    passed: int = 0
    attempts: int = 0

    @property
    def rate(self) -> float:
        return round(100 * self.passed / self.attempts, 1) if self.attempts else 0.0


@dataclass
class PracticalStats:
    attempts: int = 0
    passed: int = 0
    critical_failed: int = 0
    mean_score: float | None = None
    mean_efficiency: float | None = None
    mean_errors: float | None = None
    checks: list[CheckStat] = field(default_factory=list)
    version: int | None = None  # the scenario version number the checks are of
    other_versions: int = 0  # counted attempts taken on older versions


def _text(value, zh: bool) -> str:
    if isinstance(value, dict):
        return (zh and value.get("zh")) or value.get("en") or ""
    return str(value or "")


def practical_statistics(*, exam) -> PracticalStats:
    zh = (get_language() or "").startswith("zh")
    results = (
        Attempt.objects.filter(
            exam=exam, state=Attempt.State.FINISHED, excluded=False, simulation__isnull=False
        )
        .order_by("pk")
        .values_list("simulation", "passed", "scenario_version_id", "scenario_version__number")
    )
    stats, checks = PracticalStats(), {}
    scores, efficiency, errors = [], [], []
    rows = list(results)
    newest = max((row[2] for row in rows if row[2] is not None), default=None)
    for result, passed, version_id, number in rows:
        if version_id != newest:
            stats.other_versions += 1
            continue
        stats.version = number
        stats.attempts += 1
        stats.passed += bool(passed)
        stats.critical_failed += bool(result.get("critical_failures"))
        scores.append(float(result.get("score") or 0))
        errors.append(int(result.get("error_count") or 0))
        if result.get("efficiency") is not None:
            efficiency.append(float(result["efficiency"]))
        for task in result.get("tasks") or ():
            for check in task.get("checks") or ():
                key = (task.get("id"), check.get("id"))
                row = checks.get(key)
                if row is None:
                    row = checks[key] = CheckStat(
                        task=str(key[0]),
                        id=str(key[1]),
                        description=_text(check.get("description"), zh),
                        critical=bool(check.get("critical")),
                    )
                row.attempts += 1
                row.passed += bool(check.get("passed"))
    if stats.attempts:
        stats.mean_score = round(fmean(scores), 1)
        stats.mean_errors = round(fmean(errors), 1)
        stats.mean_efficiency = round(fmean(efficiency), 2) if efficiency else None
    stats.checks = list(checks.values())
    return stats
