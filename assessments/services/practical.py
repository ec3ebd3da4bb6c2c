"""Practical exams: the examinee's actions in the simulated HIS, their grading, and the
examiner's rubric.

The attempt rules are the knowledge exams' (`services.attempts`: one open attempt, deadline with
GRACE, exactly-once submit, sweeper); this module adds what a practical attempt does while open
(`practical_act`) and how it is graded once finished (`practical_grade`, called by
`services.grading.attempt_grade`).

How the grade combines (`Exam.assessed_by`):

- simulation: the grade is the simulation's score; it passes when the score reaches the exam's
  pass mark and no critical check failed;
- rubric: the grade is the examiner's points as a percentage; it passes when that reaches the
  pass mark and the global rating is at least "borderline pass";
- both: the grade is the mean of the two; it passes only when each part passes on its own. The
  attempt waits for the examiner (needs grading) until the rubric is scored.

An exam assessed by the rubric alone is an OSCE station: the examiner opens the candidate's
attempt (`station_attempt_start`) and saving the rubric finishes it.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.org.models import StaffMember
from portal.records.services import audit_record

from .. import simulation
from ..models import (
    Attempt,
    ExaminerAssignment,
    GlobalRating,
    RubricItem,
    RubricScore,
    SimulationAction,
)
from .attempts import _own, _refuse, _still_open

PERCENT = Decimal("0.01")
RUBRIC_CREDIT = {"done": Decimal(1), "partly": Decimal("0.5"), "not_done": Decimal(0)}
PASSING_RATING = GlobalRating.BORDERLINE_PASS

# Parsed scenarios by version id: a version never changes, and parsing validates the file.
_SCENARIOS: dict[int, simulation.Scenario] = {}


def scenario_cache_clear() -> None:
    _SCENARIOS.clear()


def scenario_of(version) -> simulation.Scenario:
    scenario = _SCENARIOS.get(version.pk)
    if scenario is None:
        if len(_SCENARIOS) > 500:
            _SCENARIOS.clear()
        scenario = _SCENARIOS[version.pk] = simulation.scenario_load(version.definition)
    return scenario


# ---------------------------------------------------------------------------------------------
# The action log


class StaleAction(ValueError):
    """The page acted on an older state than the log's (another tab, a replayed request)."""


@dataclass
class ActResult:
    seq: int  # the action's number in the log
    error: str  # the HIS refused it (recorded as an error), "" when it applied
    duplicate: bool  # a retry of an action already recorded: nothing new was written


def attempt_log(attempt: Attempt) -> list[dict]:
    """The actions as the engine reads them: each with its seq and t."""
    rows = SimulationAction.objects.filter(attempt_id=attempt.pk).order_by("seq")
    return [{**row.action, "seq": row.seq, "t": row.t} for row in rows.only("seq", "t", "action")]


def his_date(attempt: Attempt):
    """The HIS's date for an attempt: the day it started, whenever it is folded or regraded
    (so a regrade years later refuses and accepts exactly what the examinee saw)."""
    return timezone.localdate(attempt.started_at)


def attempt_state(attempt: Attempt):
    """(engine scenario, current sandbox state, log): the fold of the log."""
    scenario = scenario_of(attempt.scenario_version)
    log = attempt_log(attempt)
    state = simulation.state_fold(scenario, log, today=his_date(attempt))
    return scenario, state, log


def _action_clean(action) -> dict:
    if not isinstance(action, dict) or not isinstance(action.get("type"), str):
        raise ValueError(_("An action must be an object with a type."))
    return {key: value for key, value in action.items() if key not in ("seq", "t")}


def practical_act(*, attempt: Attempt, staff, action, seq: int, now=None) -> ActResult:
    """Append one action to an open attempt's log. `seq` is the number the page expects this
    action to get (the log's length + 1 when the page was drawn): a retry of the last action
    (double click, a request resent after a timeout) is recognised and recorded once; an older
    page is refused with StaleAction. An action the HIS refuses is still recorded, with its
    error. Raises SaveRefused when the attempt is finished or past its deadline plus GRACE."""
    _own(attempt, staff)
    now = now or timezone.now()
    action = _action_clean(action)
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ValueError(_("The action number must be a whole number from 1."))
    with transaction.atomic():
        # Locks the attempt row: acts, saves and the submit of one attempt run one at a time.
        if not _still_open(attempt, now).update(last_saved_at=now):
            opened = False
        else:
            opened = True
            result = _append(attempt, action, seq, now)
    if not opened:
        _refuse(attempt, now)
    return result


def _append(attempt: Attempt, action: dict, seq: int, now) -> ActResult:
    scenario, state, log = attempt_state(attempt)
    last = log[-1]["seq"] if log else 0
    if seq <= last:
        recorded = SimulationAction.objects.get(attempt_id=attempt.pk, seq=seq)
        if recorded.action == action:
            return ActResult(seq, recorded.error, duplicate=True)
        raise StaleAction(
            _("The HIS has moved on since this page was shown (another tab?). Reload the page.")
        )
    if seq != last + 1:
        raise StaleAction(_("An action is missing before this one. Reload the page."))
    t = round(max(0.0, (now - attempt.started_at).total_seconds()), 3)
    error = simulation.action_apply(state, scenario, {**action, "seq": seq, "t": t}) or ""
    try:
        with transaction.atomic():
            SimulationAction.objects.create(
                attempt=attempt, seq=seq, t=t, at=now, action=action, error=error
            )
    except IntegrityError:
        raise StaleAction(_("This action was already recorded. Reload the page.")) from None
    return ActResult(seq, error, duplicate=False)


# ---------------------------------------------------------------------------------------------
# Grading


def _percent(value) -> Decimal:
    return Decimal(str(value)).quantize(PERCENT, ROUND_HALF_UP)


def simulation_result(attempt: Attempt, *, log=None) -> dict:
    """The engine's grade of the attempt's log, at the exam's pass mark (which the trainer may
    set apart from the scenario's) on the attempt's HIS date, timed from start to finish. Its
    "why" texts are in the active language: pages regrade (well under a millisecond) rather
    than show the texts stored in the language of whoever finished the attempt."""
    scenario = scenario_of(attempt.scenario_version)
    elapsed = None
    if attempt.finished_at:
        elapsed = max(0.0, (attempt.finished_at - attempt.started_at).total_seconds())
    return simulation.grade(
        scenario,
        attempt_log(attempt) if log is None else log,
        elapsed=elapsed,
        today=his_date(attempt),
        pass_mark=attempt.exam.pass_mark_percent,
    ).to_dict()


def simulation_passed(exam, result: dict) -> bool:
    return not result["critical_failures"] and _percent(result["score"]) >= exam.pass_mark_percent


def rubric_passed(exam, score: RubricScore) -> bool:
    return score.percent >= exam.pass_mark_percent and score.global_rating >= PASSING_RATING


def practical_grade(attempt: Attempt) -> Attempt:
    """Grade a finished practical attempt from its log (deterministic: the same log gives the
    same result) and, where the exam uses one, the examiner's rubric. Idempotent."""
    exam = attempt.exam
    result = None
    parts: list[tuple[Decimal, bool]] = []
    if exam.uses_simulation and attempt.scenario_version_id:
        result = simulation_result(attempt)
        parts.append((_percent(result["score"]), simulation_passed(exam, result)))
    waiting = False
    if exam.uses_rubric:
        score = RubricScore.objects.filter(attempt_id=attempt.pk).first()
        if score is None:
            waiting = True
        else:
            parts.append((score.percent, rubric_passed(exam, score)))
    attempt.simulation = result
    attempt.needs_grading = waiting
    attempt.max_marks = Decimal(100)
    attempt.marks = attempt.percent = attempt.passed = None
    if not waiting and parts:
        percent = sum((p for p, _ok in parts), Decimal(0)) / len(parts)
        attempt.percent = attempt.marks = percent.quantize(PERCENT, ROUND_HALF_UP)
        attempt.passed = all(ok for _p, ok in parts)
    Attempt.objects.filter(pk=attempt.pk).update(
        simulation=attempt.simulation,
        marks=attempt.marks,
        max_marks=attempt.max_marks,
        percent=attempt.percent,
        passed=attempt.passed,
        needs_grading=attempt.needs_grading,
    )
    return attempt


# ---------------------------------------------------------------------------------------------
# The examiner's rubric


def may_examine(user, attempt: Attempt) -> bool:
    """Examiners assigned to the candidate, the exam's trainers and superusers."""
    return may_examine_candidate(user, exam=attempt.exam, staff_id=attempt.staff_id)


def may_examine_candidate(user, *, exam, staff_id: int) -> bool:
    """Nobody examines themselves, a superuser or a trainer of the exam neither."""
    if user is None or not user.is_authenticated:
        return False
    if StaffMember.objects.filter(pk=staff_id, user_id=user.pk).exists():
        return False
    if user.is_superuser:
        return True
    if exam.trainers.through.objects.filter(exam_id=exam.pk, user_id=user.pk).exists():
        return True
    return ExaminerAssignment.objects.filter(
        exam_id=exam.pk, examiner=user, staff_id=staff_id
    ).exists()


def station_attempt_start(*, exam, staff, examiner, now=None) -> Attempt:
    """An exam assessed by the rubric alone is an OSCE station: the candidate works at the
    station, not on a screen, so the examiner opens the attempt when the candidate begins (or
    continues the open one). The attempt rules are the same as for any exam: one open attempt,
    the maximum, the cool-down, the time limit. Saving the rubric finishes the attempt."""
    from .attempts import attempt_start

    if exam.assessed_by != exam.AssessedBy.RUBRIC:
        raise ValueError(_("Only an exam scored by the examiner alone is started by the examiner."))
    if not may_examine_candidate(examiner, exam=exam, staff_id=staff.pk):
        raise PermissionDenied
    return attempt_start(exam=exam, staff=staff, now=now)


def rubric_score_save(
    *, attempt: Attempt, examiner, items: dict, global_rating, comments: str = ""
) -> RubricScore:
    """Score (or re-score) an attempt on the exam's rubric: every item done, partly or not
    done, and a global rating. Audited with the scores before and after; a finished attempt is
    regraded and the exam outcome follows."""
    from .grading import attempt_grade, attempt_score, exam_outcome_refresh

    exam = attempt.exam
    if not exam.uses_rubric:
        raise ValueError(_("This exam has no examiner rubric."))
    if not may_examine(examiner, attempt):
        raise PermissionDenied
    rubric = list(RubricItem.objects.filter(exam=exam).order_by("sort_order", "pk"))
    if not rubric:
        raise ValueError(_("The rubric of this exam has no items yet."))
    cleaned = {}
    for item in rubric:
        value = (items or {}).get(str(item.pk))
        if value not in RUBRIC_CREDIT:
            raise ValueError(
                _("Mark “%(item)s” as done, partly done or not done.") % {"item": item.text}
            )
        cleaned[str(item.pk)] = value
    try:
        rating = int(global_rating)
    except (TypeError, ValueError):
        rating = None
    if rating not in GlobalRating.values:
        raise ValueError(_("Choose a global rating."))
    points = sum((RUBRIC_CREDIT[cleaned[str(i.pk)]] * i.points for i in rubric), Decimal(0))
    max_points = Decimal(sum(i.points for i in rubric))
    percent = (points * 100 / max_points) if max_points else Decimal(0)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        locked.exam = exam
        before_score = RubricScore.objects.filter(attempt=locked).first()
        before = {
            "rubric": _rubric_audit(before_score),
            "attempt": attempt_score(locked),
        }
        score, _created = RubricScore.objects.update_or_create(
            attempt=locked,
            defaults={
                "examiner": examiner,
                "items": cleaned,
                "global_rating": rating,
                "comments": comments or "",
                "points": points.quantize(PERCENT),
                "max_points": max_points,
                "percent": percent.quantize(PERCENT, ROUND_HALF_UP),
                "scored_at": timezone.now(),
            },
        )
        if locked.state == Attempt.State.IN_PROGRESS and exam.assessed_by == exam.AssessedBy.RUBRIC:
            _station_finish(locked, examiner)
        elif locked.state == Attempt.State.FINISHED:
            attempt_grade(locked)
            exam_outcome_refresh(exam=exam, staff=locked.staff, actor=examiner)
        audit_record(
            action="attempt.rubric_score",
            actor=examiner,
            obj=locked,
            before=before,
            after={"rubric": _rubric_audit(score), "attempt": attempt_score(locked)},
        )
    attempt.refresh_from_db()
    return score


def _station_finish(attempt: Attempt, examiner) -> None:
    """The examiner's score ends a station attempt (exactly once: the row is locked)."""
    from .attempts import _finished

    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
        state=Attempt.State.FINISHED, finished_at=now, finished_by=Attempt.FinishedBy.EXAMINER
    )
    attempt.state, attempt.finished_at = Attempt.State.FINISHED, now
    attempt.finished_by = Attempt.FinishedBy.EXAMINER
    _finished(attempt, actor=examiner)


def _rubric_audit(score: RubricScore | None) -> dict | None:
    if score is None:
        return None
    return {
        "items": score.items,
        "global_rating": score.global_rating,
        "points": score.points,
        "max_points": score.max_points,
        "percent": score.percent,
        "comments": score.comments,
        "examiner": score.examiner_id,
    }
