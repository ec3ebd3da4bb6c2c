"""Marks: grading a finished attempt, a trainer's essay grade, regrading after a trainer
corrected a question's key, and the outcome of an exam for one person (the grade kept, and the
curriculum assignment completed once it is a pass).

Lock order, to stay clear of deadlocks: attempt rows, then assignment rows (item_complete),
then the audit chain head last. So the outcome is refreshed before the audit is written.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.services import progress
from portal.org.models import StaffMember
from portal.records.services import AuditEntry, audit_record, audit_record_many

from ..grading import response_fraction
from ..models import Attempt, AttemptQuestion, Exam, Question

FINISHED = Attempt.State.FINISHED
FRACTION = Decimal("0.00001")
MARK = Decimal("0.001")
PERCENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Grading an attempt


def _question_grade(aq: AttemptQuestion) -> bool:
    """Set fraction, mark and needs_grading from the response; True when anything changed.
    An essay a trainer has graded keeps the trainer's mark."""
    content = aq.version.content
    before = (aq.fraction, aq.mark, aq.needs_grading)
    if content["qtype"] == "essay" and aq.graded_at is not None:
        aq.needs_grading = False
    else:
        fraction = response_fraction(content, aq.response)
        aq.needs_grading = fraction is None and content["qtype"] == "essay"
        if fraction is None:
            aq.fraction = aq.mark = None
        else:
            aq.fraction = Decimal(str(fraction)).quantize(FRACTION, ROUND_HALF_UP)
            aq.mark = (aq.fraction * aq.max_mark).quantize(MARK, ROUND_HALF_UP)
    return (aq.fraction, aq.mark, aq.needs_grading) != before


def attempt_score(attempt: Attempt) -> dict:
    """What the audit trail records of an attempt's grade."""
    return {
        "marks": attempt.marks,
        "max_marks": attempt.max_marks,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "needs_grading": attempt.needs_grading,
    }


def attempt_grade(attempt: Attempt) -> Attempt:
    """Grade every question of a finished attempt and store the totals. Marks are None while
    an essay waits for a trainer. A question may score below 0 (a penalty), the attempt never
    does. Idempotent. A practical exam is graded from its action log and rubric instead."""
    if attempt.exam.is_practical:
        from .practical import practical_grade

        return practical_grade(attempt)
    rows = list(attempt.questions.select_related("version"))
    changed = [aq for aq in rows if _question_grade(aq)]
    if changed:
        AttemptQuestion.objects.bulk_update(changed, ["fraction", "mark", "needs_grading"])
    attempt.max_marks = sum((aq.max_mark for aq in rows), Decimal(0))
    attempt.needs_grading = any(aq.needs_grading for aq in rows)
    attempt.marks = attempt.percent = attempt.passed = None
    if not attempt.needs_grading:
        total = sum((aq.mark for aq in rows if aq.mark is not None), Decimal(0))
        attempt.marks = max(Decimal(0), total).quantize(MARK)
        if attempt.max_marks > 0:
            percent = attempt.marks * 100 / attempt.max_marks
            attempt.percent = percent.quantize(PERCENT, ROUND_HALF_UP)
            attempt.passed = attempt.percent >= attempt.exam.pass_mark_percent
    Attempt.objects.filter(pk=attempt.pk).update(
        marks=attempt.marks,
        max_marks=attempt.max_marks,
        percent=attempt.percent,
        passed=attempt.passed,
        needs_grading=attempt.needs_grading,
    )
    return attempt


# ---------------------------------------------------------------------------------------------
# The outcome of an exam for one person


@dataclass
class Outcome:
    kept: Attempt | None  # the attempt whose grade counts (None: nothing graded yet)
    percent: Decimal | None
    passed: bool
    pending: bool  # an attempt waits for a trainer


def kept_attempt(attempts: list[Attempt], method: str) -> Attempt | None:
    """Of finished attempts in number order: the highest graded one (passes first, the earliest
    on a tie), or the latest one when the exam keeps the latest (None while that one is being
    graded)."""
    counted = [a for a in attempts if a.state == FINISHED and not a.excluded]
    if method == Exam.GradingMethod.LATEST:
        latest = counted[-1] if counted else None
        return latest if latest is not None and latest.percent is not None else None
    graded = [a for a in counted if a.percent is not None]
    # A pass beats a higher failed grade (a practical attempt fails on a critical error
    # whatever its score).
    return max(graded, key=lambda a: (bool(a.passed), a.percent, -a.number), default=None)


def outcome_of(attempts: list[Attempt], exam: Exam) -> Outcome:
    kept = kept_attempt(attempts, exam.grading_method)
    return Outcome(
        kept=kept,
        percent=kept.percent if kept else None,
        passed=bool(kept and kept.passed),
        pending=any(a.needs_grading and not a.excluded for a in attempts),
    )


def exam_outcome_refresh(*, exam: Exam, staff, actor=None) -> Outcome:
    """Compute the grade kept; when it is a pass, complete the person's assignment of this exam
    (idempotent; a later worse attempt does not take a completion back)."""
    attempts = list(
        Attempt.objects.filter(exam=exam, staff=staff, state=FINISHED).order_by("number")
    )
    outcome = outcome_of(attempts, exam)
    # Certification status and proficiency read every attempt: refreshed after commit.
    from .certification import status_refresh_later

    status_refresh_later(staff_ids=[staff.pk], cause="exam result")
    if outcome.passed:
        progress.item_complete(
            staff=staff,
            content_type=ContentType.objects.get_for_model(Exam),
            object_id=exam.pk,
            actor=actor,
        )
    return outcome


# ---------------------------------------------------------------------------------------------
# Essays


def may_grade(user, exam: Exam) -> bool:
    if user is None or not user.is_authenticated:
        return False
    # The through table, not exam.trainers: modelcluster answers that from unsaved form data.
    trainers = Exam.trainers.through.objects.filter(exam_id=exam.pk, user_id=user.pk)
    return user.is_superuser or trainers.exists()


def essay_grade(*, attempt_question: AttemptQuestion, mark, comment: str, grader):
    """A trainer of the exam grades an essay (0..its max mark); the attempt's totals and the
    exam outcome follow. Re-grading an essay is allowed and audited the same way."""
    attempt = attempt_question.attempt
    exam = attempt.exam
    if not may_grade(grader, exam):
        raise PermissionDenied
    try:
        mark = Decimal(str(mark).strip().replace(",", "."))
    except ArithmeticError:
        raise ValueError(_("The mark must be a number.")) from None
    if not mark.is_finite():
        raise ValueError(_("The mark must be a number."))
    with transaction.atomic():
        # The attempt row lock serialises two trainers grading the same attempt.
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        attempt.exam = exam
        aq = AttemptQuestion.objects.select_related("version").get(pk=attempt_question.pk)
        if aq.version.content["qtype"] != "essay":
            raise ValueError(_("Only essays are graded by hand."))
        if attempt.state != FINISHED:
            raise ValueError(_("The attempt is still in progress."))
        if not Decimal(0) <= mark <= aq.max_mark:
            raise ValueError(
                _("The mark must be between 0 and %(max)s.") % {"max": aq.max_mark.normalize()}
            )
        before = {
            "mark": aq.mark,
            "comment": aq.grader_comment,
            "attempt": attempt_score(attempt),
        }
        aq.mark = mark.quantize(MARK, ROUND_HALF_UP)
        aq.fraction = (mark / aq.max_mark).quantize(FRACTION) if aq.max_mark else Decimal(0)
        aq.needs_grading = False
        aq.graded_by = grader
        aq.graded_at = timezone.now()
        aq.grader_comment = comment or ""
        aq.save(
            update_fields=[
                "mark",
                "fraction",
                "needs_grading",
                "graded_by",
                "graded_at",
                "grader_comment",
            ]
        )
        attempt_grade(attempt)
        exam_outcome_refresh(exam=exam, staff=attempt.staff, actor=grader)
        audit_record(
            action="attempt.essay_grade",
            actor=grader,
            obj=aq,
            before=before,
            after={
                "mark": aq.mark,
                "comment": aq.grader_comment,
                "attempt": attempt_score(attempt),
            },
        )
    attempt_question.refresh_from_db()
    return aq


# ---------------------------------------------------------------------------------------------
# Correcting a question's key


@dataclass
class RegradeReport:
    versions_updated: int  # earlier versions that received the corrected key
    versions_skipped: int  # earlier versions whose text differs: left as the learners saw them
    attempts_regraded: int
    attempts_changed: int  # of those, the ones whose marks or pass/fail changed


def _seen(content: dict) -> tuple:
    """What a learner saw of a version (the key left out)."""
    return (
        content["qtype"],
        content["text"],
        content.get("text_zh", ""),
        content.get("text_format", ""),
        [
            (a["text"], a.get("text_zh", ""), a["match"], a.get("match_zh", ""))
            for a in content["answers"]
        ],
    )


def _key(content: dict) -> tuple:
    """The grading key: fractions and tolerances per answer, and case sensitivity."""
    return (
        bool(content.get("case_sensitive")),
        [(a["fraction"], a.get("tolerance", 0)) for a in content["answers"]],
    )


def _with_key(content: dict, source: dict) -> dict:
    answers = [
        {**answer, "fraction": new["fraction"], "tolerance": new.get("tolerance", 0)}
        for answer, new in zip(content["answers"], source["answers"], strict=True)
    ]
    return {**content, "case_sensitive": source.get("case_sensitive", False), "answers": answers}


def question_key_correct(*, question: Question, actor) -> RegradeReport:
    """A trainer corrected the key of a question (its fractions) and saved it. Earlier versions
    that show the same texts get the corrected key, and every finished attempt that used one of
    these versions is regraded; each attempt whose grade changed is audited with its before and
    after scores. Outcomes (assignment completion) are refreshed after the commit, one person
    at a time; call it outside any transaction (the admin view), so that order holds."""
    if actor is not None and not actor.has_perm("assessments.change_question"):
        raise PermissionDenied
    with transaction.atomic():
        # The same lock as question_version_ensure: no version is added while we work.
        Question.objects.select_for_update().filter(pk=question.pk).first()
        versions = list(question.versions.order_by("-number"))
        if not versions:
            return RegradeReport(0, 0, 0, 0)
        latest, targets, skipped = versions[0], [versions[0]], 0
        version_entries: list[AuditEntry] = []
        for version in versions[1:]:
            if _seen(version.content) != _seen(latest.content):
                skipped += 1
                continue
            targets.append(version)
            if _key(version.content) != _key(latest.content):
                version_entries.append(_version_correct(version, latest, actor))
        regraded, attempt_entries = _attempts_regrade(targets, question, actor)
        audit_record_many(entries=version_entries + attempt_entries)
    # After the commit, one person at a time (item_complete locks assignments, then the chain).
    pairs = {(a.exam_id, a.staff_id) for a in regraded}
    exams = Exam.objects.in_bulk({exam_id for exam_id, _s in pairs})
    staff = StaffMember.objects.in_bulk({staff_id for _e, staff_id in pairs})
    for exam_id, staff_id in sorted(pairs):
        exam_outcome_refresh(exam=exams[exam_id], staff=staff[staff_id], actor=actor)
    return RegradeReport(len(version_entries), skipped, len(regraded), len(attempt_entries))


def _version_correct(version, latest, actor) -> AuditEntry:
    before = _key(version.content)
    version.content = _with_key(version.content, latest.content)
    version.save(update_fields=["content"])
    return AuditEntry(
        action="question.key_correct",
        actor=actor,
        object_type="assessments.questionversion",
        object_id=version.pk,
        before={"key": before},
        after={"key": _key(version.content), "from_version": latest.number},
    )


def _attempts_regrade(targets, question, actor) -> tuple[list[Attempt], list[AuditEntry]]:
    attempt_ids = (
        AttemptQuestion.objects.filter(version__in=targets, attempt__state=FINISHED)
        .values_list("attempt_id", flat=True)
        .distinct()
    )
    # Locked in pk order, so two regrades of questions in the same attempts do not deadlock.
    attempts = list(
        Attempt.objects.select_for_update().filter(pk__in=list(attempt_ids)).order_by("pk")
    )
    exams = Exam.objects.in_bulk({a.exam_id for a in attempts})
    entries = []
    for attempt in attempts:
        attempt.exam = exams[attempt.exam_id]
        before = attempt_score(attempt)
        attempt_grade(attempt)
        after = attempt_score(attempt)
        if after != before:
            entries.append(
                AuditEntry(
                    action="attempt.regrade",
                    actor=actor,
                    object_type="assessments.attempt",
                    object_id=attempt.pk,
                    before=before,
                    after={**after, "question": question.pk},
                )
            )
    return attempts, entries
