"""The attempt engine: starting, saving, submitting and finishing attempts at their deadline.

What keeps it trustworthy under load and on bad Wi-Fi:

- One open attempt per person and exam is a database constraint; a racing duplicate start
  (two tabs, a double click) fails on it and returns the winner's attempt.
- A save is one transaction: a conditional UPDATE of the attempt row (still in progress, the
  deadline plus GRACE not passed) and then, per answer, an UPDATE that only applies when its
  sequence number is newer than the stored one. The attempt row lock taken by the first UPDATE
  serialises a save against a submit; stale or replayed answers change nothing.
- Finishing is a conditional UPDATE in_progress -> finished: of two submits, or of a submit and
  the sweeper, exactly one wins and grades; the loser returns the finished attempt.
- An attempt past deadline + GRACE is finished with finish time = deadline, by the sweeper
  (Celery beat) or by whoever touches it first.
"""

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.records.services import audit_record

from ..grading import matching_subquestions, response_validate
from ..models import (
    Attempt,
    AttemptQuestion,
    Exam,
    Question,
    QuestionCategory,
    QuestionVersion,
    ScenarioVersion,
)
from .grading import attempt_grade, attempt_score, exam_outcome_refresh, outcome_of

__all__ = [
    "GRACE",
    "AttemptRefused",
    "AttemptsExhausted",
    "Availability",
    "CoolingDown",
    "ExamClosed",
    "ExamNotOpen",
    "SaveRefused",
    "SaveResult",
    "answers_save",
    "attempt_overdue_finish",
    "attempt_start",
    "attempt_submit",
    "attempts_sweep",
    "exam_availability",
    "exam_outcome_refresh",
]

logger = logging.getLogger(__name__)

GRACE = timedelta(seconds=60)
IN_PROGRESS, FINISHED = Attempt.State.IN_PROGRESS, Attempt.State.FINISHED
_random = random.SystemRandom()


# ---------------------------------------------------------------------------------------------
# Refusals (their message is for the learner)


class AttemptRefused(Exception):
    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


class ExamNotOpen(AttemptRefused):
    pass


class ExamClosed(AttemptRefused):
    pass


class AttemptsExhausted(AttemptRefused):
    pass


class CoolingDown(AttemptRefused):
    pass


class SaveRefused(AttemptRefused):
    """The attempt is finished: `overdue` when time ran out, else it was submitted."""

    def __init__(self, message, *, overdue: bool):
        super().__init__(message)
        self.overdue = overdue


# What a reload refreshes: the attempt's own columns, keeping its cached exam and staff.
_COLUMNS = [
    f.attname for f in Attempt._meta.concrete_fields if not (f.is_relation or f.primary_key)
]


def _reload(attempt: Attempt) -> None:
    attempt.refresh_from_db(fields=_COLUMNS)


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _own(attempt: Attempt, staff) -> None:
    if staff is None or attempt.staff_id != staff.pk:
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# May this person start?


@dataclass
class Availability:
    can_start: bool  # True also when there is an open attempt to continue
    reason: str = ""
    open_attempt: Attempt | None = None
    attempts_used: int = 0
    attempts_left: int | None = None  # None: unlimited
    next_start_at: datetime | None = None  # the end of the cool-down
    best_percent: Decimal | None = None
    passed: bool = False  # the grade kept (highest or latest) is a pass
    kept: Attempt | None = None
    pending: bool = False  # an essay waits for a trainer
    attempts: list[Attempt] = field(default_factory=list)


def _attempts_counted(attempts: list[Attempt]) -> int:
    # An attempt a trainer excluded (a technical failure, say) is given back, as a deleted
    # attempt is in Moodle.
    return sum(1 for a in attempts if not a.excluded)


def _cooldown_end(exam: Exam, attempts: list[Attempt]) -> datetime | None:
    finished = [a.finished_at for a in attempts if a.finished_at is not None]
    if not exam.cooldown_minutes or not finished:
        return None
    return max(finished) + timedelta(minutes=exam.cooldown_minutes)


def _start_refusal(exam: Exam, attempts: list[Attempt], now: datetime) -> AttemptRefused | None:
    if not exam.published:
        return ExamNotOpen(_("This exam is not available."))
    if exam.opens_at and now < exam.opens_at:
        return ExamNotOpen(_("This exam opens at %(when)s.") % {"when": _when(exam.opens_at)})
    if exam.closes_at and now >= exam.closes_at:
        return ExamClosed(_("This exam closed at %(when)s.") % {"when": _when(exam.closes_at)})
    if exam.max_attempts and _attempts_counted(attempts) >= exam.max_attempts:
        return AttemptsExhausted(
            _("You have used all %(n)s attempts at this exam.") % {"n": exam.max_attempts}
        )
    cooldown_end = _cooldown_end(exam, attempts)
    if cooldown_end and now < cooldown_end:
        return CoolingDown(
            _("You can start your next attempt at %(when)s.") % {"when": _when(cooldown_end)}
        )
    return None


def exam_availability(*, exam: Exam, staff, now=None) -> Availability:
    """What the exam page shows: continue, start (and how many attempts are left), or why not.
    An open attempt that ran out of time is finished here (lazily)."""
    now = now or timezone.now()
    if staff is None:
        return Availability(False, _("Only staff on the roster can take exams."))
    attempts = list(Attempt.objects.filter(exam=exam, staff=staff).order_by("number"))
    open_attempt = next((a for a in attempts if a.state == IN_PROGRESS), None)
    if open_attempt is not None and attempt_overdue_finish(attempt=open_attempt, now=now):
        open_attempt = None
    used = _attempts_counted(attempts)
    outcome = outcome_of(attempts, exam)
    refusal = None if open_attempt else _start_refusal(exam, attempts, now)
    cooldown_end = _cooldown_end(exam, attempts)
    graded = [a.percent for a in attempts if a.percent is not None and not a.excluded]
    return Availability(
        can_start=refusal is None,
        reason=refusal.message if refusal else "",
        open_attempt=open_attempt,
        attempts_used=used,
        attempts_left=max(0, exam.max_attempts - used) if exam.max_attempts else None,
        next_start_at=cooldown_end if cooldown_end and cooldown_end > now else None,
        best_percent=max(graded, default=None),
        passed=outcome.passed,
        kept=outcome.kept,
        pending=outcome.pending,
        attempts=attempts,
    )


# ---------------------------------------------------------------------------------------------
# Starting


def _deadline(exam: Exam, now: datetime) -> datetime | None:
    limits = [exam.closes_at] if exam.closes_at else []
    if exam.time_limit_minutes:
        limits.append(now + timedelta(minutes=exam.time_limit_minutes))
    return min(limits, default=None)


def _category_subtrees(roots: set[int]) -> dict[int, set[int]]:
    """Each root category with all its descendants (one query for the whole tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in QuestionCategory.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    trees = {}
    for root in roots:
        found, todo = set(), [root]
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo.extend(children.get(node, ()))
        trees[root] = found
    return trees


def _drawable(category_ids: set[int]) -> dict[int, list[int]]:
    """Questions that can be drawn, by category: not archived, with a version."""
    pool: dict[int, list[int]] = {}
    rows = (
        Question.objects.filter(category_id__in=category_ids, archived=False)
        .filter(Exists(QuestionVersion.objects.filter(question=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "category_id")
    )
    for pk, category_id in rows:
        pool.setdefault(category_id, []).append(pk)
    return pool


def _questions_pick(exam: Exam) -> list[tuple[int, Decimal | None]]:
    """(question id, slot mark) in slot order: fixed questions, and random draws from their
    categories that never repeat a question already in the attempt."""
    slots = list(
        exam.slots.order_by("sort_order", "pk").values_list(
            "question_id", "category_id", "count", "include_subcategories", "mark", named=True
        )
    )
    draws = [slot for slot in slots if slot.category_id is not None]
    with_subcategories = {slot.category_id for slot in draws if slot.include_subcategories}
    trees = _category_subtrees(with_subcategories) if with_subcategories else {}
    pool = _drawable({s.category_id for s in draws}.union(*trees.values())) if draws else {}
    used = {slot.question_id for slot in slots if slot.question_id is not None}
    picks: list[tuple[int, Decimal | None]] = []
    for slot in slots:
        if slot.question_id is not None:
            # A question in two fixed slots is asked once.
            if slot.question_id not in {pk for pk, _mark in picks}:
                picks.append((slot.question_id, slot.mark))
            continue
        categories = trees[slot.category_id] if slot.include_subcategories else {slot.category_id}
        candidates = sorted({pk for c in categories for pk in pool.get(c, ()) if pk not in used})
        if len(candidates) < slot.count:
            # Fewer than wanted: the attempt gets what there is rather than nobody an exam.
            logger.warning(
                "Exam %s: category %s has %s questions to draw, %s wanted",
                exam.pk,
                slot.category_id,
                len(candidates),
                slot.count,
            )
        chosen = _random.sample(candidates, min(slot.count, len(candidates)))
        used.update(chosen)
        picks.extend((pk, slot.mark) for pk in chosen)
    return picks


def _latest_versions(question_ids: list[int]) -> dict[int, QuestionVersion]:
    newest = QuestionVersion.objects.filter(question=OuterRef("question")).order_by("-number")
    versions = QuestionVersion.objects.filter(
        question_id__in=question_ids, pk=Subquery(newest.values("pk")[:1])
    ).only("pk", "question_id", "content")
    return {v.question_id: v for v in versions}


def answer_order(content: dict, shuffle: bool) -> list[int]:
    """The answers (or the matching subquestions) in the order shown. True/false keeps its
    order; typed answers show no list."""
    qtype = content["qtype"]
    if qtype == "matching":
        order = matching_subquestions(content)
    elif qtype in ("single", "multiple", "truefalse"):
        order = list(range(len(content["answers"])))
    else:
        return []
    if shuffle and content.get("shuffle") and qtype != "truefalse":
        _random.shuffle(order)
    return order


def _questions_build(exam: Exam, attempt: Attempt) -> list[AttemptQuestion]:
    picks = _questions_pick(exam)
    versions = _latest_versions([pk for pk, _mark in picks])
    chosen = [(versions[pk], mark) for pk, mark in picks if pk in versions]
    if exam.shuffle_questions:
        _random.shuffle(chosen)
    per_page = exam.questions_per_page
    rows = []
    for position, (version, slot_mark) in enumerate(chosen):
        content = version.content
        if content["qtype"] == "description":
            max_mark = Decimal(0)
        else:
            max_mark = slot_mark if slot_mark is not None else Decimal(content["default_mark"])
        rows.append(
            AttemptQuestion(
                attempt=attempt,
                position=position,
                page=position // per_page if per_page else 0,
                version=version,
                answer_order=answer_order(content, exam.shuffle_answers),
                max_mark=max_mark,
            )
        )
    return rows


def _scenario_version(exam: Exam):
    if not exam.uses_simulation:
        return None
    version = (
        ScenarioVersion.objects.filter(scenario_id=exam.scenario_id).order_by("-number").first()
        if exam.scenario_id
        else None
    )
    if version is None:
        raise ExamNotOpen(_("This practical exam has no scenario yet."))
    return version


def attempt_start(*, exam: Exam, staff, now=None) -> Attempt:
    """Start an attempt, or return the open one (a second tab continues it). An open attempt
    whose time ran out is finished at its deadline and returned finished: the caller shows it
    as such. Raises an AttemptRefused subclass when the person may not start."""
    now = now or timezone.now()
    if staff is None:
        raise AttemptRefused(_("Only staff on the roster can take exams."))
    attempts = list(Attempt.objects.filter(exam=exam, staff=staff).order_by("number"))
    open_attempt = next((a for a in attempts if a.state == IN_PROGRESS), None)
    if open_attempt is not None:
        attempt_overdue_finish(attempt=open_attempt, now=now)
        return open_attempt
    refusal = _start_refusal(exam, attempts, now)
    if refusal is not None:
        raise refusal
    attempt = Attempt(
        exam=exam,
        staff=staff,
        number=max((a.number for a in attempts), default=0) + 1,
        started_at=now,
        deadline=_deadline(exam, now),
    )
    if exam.is_practical:
        # A practical attempt works on the scenario's newest version; it has no questions.
        questions = []
        attempt.scenario_version = _scenario_version(exam)
        if attempt.deadline is None and attempt.scenario_version is not None:
            # No limit set on the exam: the scenario's own time limit applies.
            minutes = attempt.scenario_version.definition.get("time_limit_minutes")
            attempt.deadline = now + timedelta(minutes=minutes) if minutes else None
    else:
        questions = _questions_build(exam, attempt)
        if not questions:
            raise ExamNotOpen(_("This exam has no questions yet."))
    try:
        with transaction.atomic():
            attempt.save(force_insert=True)
            AttemptQuestion.objects.bulk_create(questions)
    except IntegrityError:
        # A racing start (another tab) won; its attempt is the one to continue.
        winner = Attempt.objects.filter(exam=exam, staff=staff, state=IN_PROGRESS).first()
        if winner is None:
            raise
        return winner
    return attempt


# ---------------------------------------------------------------------------------------------
# Saving


@dataclass
class SaveResult:
    accepted: list[int]  # positions written
    stale: list[int]  # positions whose sequence number was not newer than the stored one
    deadline: datetime | None
    server_now: datetime


def _int(value, what: str) -> int:
    # Capped below the BigInteger limit: a client's millisecond clock fits, overflow does not.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
        raise ValueError(_("%(what)s must be a whole number of 0 or more.") % {"what": what})
    return value


# What a save validates answers against, kept by the process rather than read on every
# autosave: an attempt's questions (position -> version) are fixed when it starts, and a
# version's shape (type, answers, subquestions) never changes once attempted (a key correction
# changes only fractions). Both caches are bounded and simply emptied when full.
_LAYOUTS: dict[int, dict[int, int]] = {}
_CONTENTS: dict[int, dict] = {}
_CACHE_MAX = 20_000


def save_caches_clear() -> None:
    """Forget the cached layouts and shapes (tests: a rolled-back database reuses ids)."""
    _LAYOUTS.clear()
    _CONTENTS.clear()


def _layout(attempt_id: int) -> dict[int, int]:
    layout = _LAYOUTS.get(attempt_id)
    if layout is None:
        if len(_LAYOUTS) >= _CACHE_MAX:
            _LAYOUTS.clear()
        layout = _LAYOUTS[attempt_id] = dict(
            AttemptQuestion.objects.filter(attempt_id=attempt_id)
            .order_by()
            .values_list("position", "version_id")
        )
    return layout


def _contents(version_ids: set[int]) -> dict[int, dict]:
    missing = version_ids - _CONTENTS.keys()
    if missing:
        if len(_CONTENTS) + len(missing) > _CACHE_MAX:
            _CONTENTS.clear()
        _CONTENTS.update(
            QuestionVersion.objects.filter(pk__in=missing).values_list("pk", "content")
        )
    return {pk: _CONTENTS[pk] for pk in version_ids if pk in _CONTENTS}


def _answers_clean(attempt: Attempt, answers) -> list[dict]:
    """Check every answer before anything is written (one bad answer refuses the save)."""
    if not isinstance(answers, list):
        raise ValueError(_("Answers must be a list."))
    cleaned = []
    for item in answers:
        if not isinstance(item, dict):
            raise ValueError(_("Each answer must be an object."))
        answer = {
            "position": _int(item.get("position"), "position"),
            "seq": _int(item.get("seq"), "seq"),
            "response": item.get("response"),
        }
        if "flagged" in item:
            if not isinstance(item["flagged"], bool):
                raise ValueError(_('"flagged" must be true or false.'))
            answer["flagged"] = item["flagged"]
        cleaned.append(answer)
    positions = [a["position"] for a in cleaned]
    if len(set(positions)) != len(positions):
        raise ValueError(_("A question is answered twice in one save."))
    if not cleaned:
        return cleaned
    versions = _layout(attempt.pk)
    contents = _contents({versions[p] for p in positions if p in versions})
    for answer in cleaned:
        content = contents.get(versions.get(answer["position"]))
        if content is None:
            raise ValueError(
                _("There is no question %(n)s in this attempt.") % {"n": answer["position"]}
            )
        response_validate(content, answer["response"])
    return cleaned


def _still_open(attempt: Attempt, now: datetime):
    return Attempt.objects.filter(pk=attempt.pk, state=IN_PROGRESS).filter(
        Q(deadline__isnull=True) | Q(deadline__gte=now - GRACE)
    )


def _refuse(attempt: Attempt, now: datetime):
    """The attempt did not take the save: finish it if its time ran out, then say why."""
    _reload(attempt)
    attempt_overdue_finish(attempt=attempt, now=now)
    if attempt.finished_by == Attempt.FinishedBy.DEADLINE:
        raise SaveRefused(
            _("Time ran out at %(when)s: answers after that are not accepted.")
            % {"when": _when(attempt.deadline)},
            overdue=True,
        )
    raise SaveRefused(_("This attempt has already been submitted."), overdue=False)


def answers_save(*, attempt: Attempt, staff, answers: list[dict], page=None, now=None):
    """Save answers (autosave, page change, flag). Each answer is written only when its `seq`
    is newer than the stored one; `page` is the page the learner is on (resumed on reload).
    Raises ValueError for a malformed answer (nothing written) and SaveRefused when the
    attempt is finished or past its deadline plus GRACE."""
    _own(attempt, staff)
    now = now or timezone.now()
    cleaned = _answers_clean(attempt, answers)
    touch = {"last_saved_at": now}
    if page is not None:
        touch["current_page"] = _int(page, "page")
    accepted, stale = [], []
    with transaction.atomic():
        # This UPDATE locks the attempt row until commit: a submit waits for the save.
        if _still_open(attempt, now).update(**touch):
            for answer in cleaned:
                written = AttemptQuestion.objects.filter(
                    attempt_id=attempt.pk, position=answer["position"], seq__lt=answer["seq"]
                ).update(
                    response=answer["response"],
                    seq=answer["seq"],
                    saved_at=now,
                    **({"flagged": answer["flagged"]} if "flagged" in answer else {}),
                )
                (accepted if written else stale).append(answer["position"])
        else:
            touch = None
    if touch is None:
        _refuse(attempt, now)
    attempt.last_saved_at = now
    attempt.current_page = touch.get("current_page", attempt.current_page)
    return SaveResult(accepted, stale, attempt.deadline, now)


# ---------------------------------------------------------------------------------------------
# Finishing


def _finished(attempt: Attempt, *, actor=None, actor_label: str = "") -> None:
    """Grade a just-finished attempt, refresh the exam outcome and audit the finish (in the
    caller's transaction; the audit chain lock is taken last)."""
    attempt_grade(attempt)
    exam_outcome_refresh(exam=attempt.exam, staff=attempt.staff, actor=actor)
    audit_record(
        action="attempt.finish",
        actor=actor,
        actor_label=actor_label,
        obj=attempt,
        after={
            "exam": attempt.exam_id,
            "staff": attempt.staff_id,
            "number": attempt.number,
            "finished_by": attempt.finished_by,
            "finished_at": attempt.finished_at,
            **attempt_score(attempt),
        },
    )


def attempt_submit(*, attempt: Attempt, staff, answers=None, now=None) -> Attempt:
    """The learner submits: save the final answers, then finish and grade exactly once. A
    second (or simultaneous) submit grades nothing again and returns the finished attempt.
    Raises SaveRefused(overdue=True) when the time ran out before the submit arrived (the
    attempt is then finished at its deadline with the answers saved by then)."""
    _own(attempt, staff)
    now = now or timezone.now()
    if answers:
        try:
            answers_save(attempt=attempt, staff=staff, answers=answers, now=now)
        except SaveRefused as refused:
            if refused.overdue:
                raise
            return attempt
    with transaction.atomic():
        won = _still_open(attempt, now).update(
            state=FINISHED, finished_at=now, finished_by=Attempt.FinishedBy.LEARNER
        )
        if won:
            _reload(attempt)
            _finished(attempt, actor=staff.user)
    if not won:
        try:
            _refuse(attempt, now)
        except SaveRefused as refused:
            if refused.overdue:
                raise
    return attempt


def _overdue(attempt: Attempt, now: datetime) -> bool:
    return (
        attempt.state == IN_PROGRESS
        and attempt.deadline is not None
        and now > attempt.deadline + GRACE
    )


def attempt_overdue_finish(*, attempt: Attempt, now=None) -> bool:
    """Finish an attempt whose deadline plus GRACE has passed, at its deadline, and grade it.
    True when this call finished it; idempotent (and safe against a racing sweeper)."""
    now = now or timezone.now()
    if not _overdue(attempt, now):
        return False
    with transaction.atomic():
        won = Attempt.objects.filter(
            pk=attempt.pk, state=IN_PROGRESS, deadline__lt=now - GRACE
        ).update(state=FINISHED, finished_at=F("deadline"), finished_by=Attempt.FinishedBy.DEADLINE)
        _reload(attempt)
        if won:
            _finished(attempt, actor_label="system (time ran out)")
    return bool(won)


def attempts_sweep(*, now=None) -> int:
    """Finish every attempt past its deadline plus GRACE (Celery beat, every minute). Each in
    its own transaction; two sweeps at once finish each attempt once. Returns how many this
    run finished."""
    now = now or timezone.now()
    overdue = list(
        Attempt.objects.filter(state=IN_PROGRESS, deadline__lt=now - GRACE)
        .order_by("deadline")
        .values_list("pk", flat=True)
    )
    finished = 0
    for start in range(0, len(overdue), 200):
        batch = Attempt.objects.filter(pk__in=overdue[start : start + 200]).select_related(
            "exam", "staff"
        )
        for attempt in batch:
            finished += attempt_overdue_finish(attempt=attempt, now=now)
    return finished
