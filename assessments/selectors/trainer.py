"""What trainers read about their exams: the exams they train, attempts, per-question
statistics and the essays waiting for a grade.

Every selector is scoped to the viewer: a trainer sees the exams whose `trainers` include them
(superusers see all). Nobody else sees another learner's attempt here; a trainer who does not
train an exam gets None (the views answer 404).
"""

import math
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.accounts.roles import TRAINER, has_role
from portal.org.selectors import department_subtree_ids

from ..models import Attempt, AttemptQuestion, Exam, QType, QuestionVersion

FINISHED = Attempt.State.FINISHED
IN_PROGRESS = Attempt.State.IN_PROGRESS
CHOICE_TYPES = ("single", "truefalse", "multiple")

# The state filter of the attempts list.
STATE_FILTERS = [
    ("", _("All")),
    ("in_progress", _("In progress")),
    ("finished", _("Finished")),
    ("to_grade", _("Waiting for grading")),
    ("passed", _("Passed")),
    ("failed", _("Not passed")),
    ("excluded", _("Excluded")),
]


def is_trainer(user) -> bool:
    """Trainers and administrators reach the trainer pages at all (others: 403)."""
    return user.is_authenticated and (user.is_superuser or has_role(user, TRAINER))


def _trained(user) -> QuerySet:
    if not user.is_authenticated:
        return Exam.objects.none()
    if user.is_superuser:
        return Exam.objects.all()
    return Exam.objects.filter(trainers=user)


def exams_trained_ids(*, user) -> QuerySet:
    """The ids of the exams the user trains, as a subquery (never evaluated on its own)."""
    return _trained(user).values("pk")


def _to_grade_count():
    return Coalesce(
        Subquery(
            AttemptQuestion.objects.filter(
                attempt__exam=OuterRef("pk"),
                attempt__state=FINISHED,
                attempt__excluded=False,
                needs_grading=True,
            )
            .order_by()
            .values("attempt__exam")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def exams_for_trainer(*, user) -> QuerySet:
    """The exams the user trains, each with its attempt counts (one query for the list):
    attempts_total, attempts_open, attempts_graded (finished, graded, not excluded),
    attempts_passed and to_grade (essays waiting)."""
    counted = Q(attempts__state=FINISHED, attempts__excluded=False, attempts__percent__isnull=False)
    return (
        _trained(user)
        .annotate(
            attempts_total=Count("attempts"),
            attempts_open=Count("attempts", filter=Q(attempts__state=IN_PROGRESS)),
            attempts_graded=Count("attempts", filter=counted),
            attempts_passed=Count("attempts", filter=counted & Q(attempts__passed=True)),
            to_grade=_to_grade_count(),
        )
        .order_by("title", "pk")
    )


def pass_rate(exam) -> float | None:
    """Passed / graded finished attempts, in % (None before anybody finished)."""
    if not exam.attempts_graded:
        return None
    return round(100 * exam.attempts_passed / exam.attempts_graded, 1)


def exam_for_trainer(*, exam_id: int, user) -> Exam | None:
    return _trained(user).filter(pk=exam_id).first()


# ---------------------------------------------------------------------------------------------
# Attempts


def exam_attempts(*, exam, viewer, filters: dict | None = None) -> QuerySet:
    """The attempts of an exam for its trainers, newest first, with the person and department
    joined (the views page it: one COUNT and one page query whatever the size).

    filters: department (a Department: its sub-departments too) and state (a STATE_FILTERS key).
    """
    if not _trained(viewer).filter(pk=exam.pk).exists():
        return Attempt.objects.none()
    filters = filters or {}
    attempts = Attempt.objects.filter(exam=exam).select_related(
        "staff__department", "staff__job_role"
    )
    department = filters.get("department")
    if department is not None:
        attempts = attempts.filter(staff__department__in=department_subtree_ids([department.pk]))
    state = filters.get("state") or ""
    attempts = attempts.filter(_state_filter(state))
    return attempts.order_by("-started_at", "-pk")


def _state_filter(state: str) -> Q:
    done = Q(state=FINISHED, excluded=False)
    return {
        "in_progress": Q(state=IN_PROGRESS),
        "finished": Q(state=FINISHED),
        "to_grade": done & Q(needs_grading=True),
        "passed": done & Q(passed=True),
        "failed": done & Q(passed=False),
        "excluded": Q(excluded=True),
    }.get(state, Q())


def attempt_for_trainer(*, attempt_id: int, user) -> Attempt | None:
    """One attempt, only for the trainers of its exam (and superusers)."""
    return (
        Attempt.objects.filter(pk=attempt_id, exam__in=exams_trained_ids(user=user))
        .select_related("exam", "staff__department", "staff__job_role")
        .first()
    )


def attempt_questions(*, attempt) -> list[AttemptQuestion]:
    """The questions of an attempt in the order shown, with their versions (one query)."""
    return list(attempt.questions.select_related("version", "graded_by").order_by("position"))


# ---------------------------------------------------------------------------------------------
# Essays to grade


def grading_queue(*, viewer) -> QuerySet:
    """Essays waiting for a trainer in finished, counted attempts of the exams the viewer
    trains, oldest first (one query per page: attempt, exam, person and version joined)."""
    return (
        AttemptQuestion.objects.filter(
            needs_grading=True,
            attempt__state=FINISHED,
            attempt__excluded=False,
            attempt__exam__in=exams_trained_ids(user=viewer),
        )
        .select_related("attempt__exam", "attempt__staff__department", "version")
        .order_by("attempt__finished_at", "attempt_id", "position")
    )


def grading_item(*, aq_id: int, user) -> AttemptQuestion | None:
    """One essay answer for grading (graded or not), only for the trainers of its exam."""
    return (
        AttemptQuestion.objects.filter(
            pk=aq_id,
            version__qtype="essay",
            attempt__exam__in=exams_trained_ids(user=user),
        )
        .select_related("attempt__exam", "attempt__staff__department", "version", "graded_by")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Statistics


@dataclass
class AnswerShare:
    label: str  # the answer text as written (may be HTML)
    fraction: float  # its share of the mark, -1..1
    percent: float  # share of the attempts that chose it


@dataclass
class QuestionStats:
    question_id: int
    name: str
    qtype: str
    position: int  # where it first appears (0-based), for ordering
    attempts: int
    facility: float | None  # %
    discrimination: float | None  # %, None when undefined (no spread)
    mean_mark: float
    max_mark: float
    answers: list[AnswerShare] = field(default_factory=list)
    no_answer_percent: float = 0.0

    @property
    def qtype_label(self) -> str:
        return QType(self.qtype).label if self.qtype in QType.values else self.qtype

    @property
    def facility_bar(self) -> float:
        """The facility as a bar width (penalties can make it negative)."""
        return max(0.0, min(100.0, self.facility or 0.0))


@dataclass
class ExamStatistics:
    attempts: int  # finished, graded, not excluded attempts counted
    waiting: int  # finished attempts not counted yet because an essay waits for a grade
    questions: list[QuestionStats]


def exam_question_statistics(*, exam) -> ExamStatistics:
    """Per-question statistics over the exam's finished, fully graded, not excluded attempts
    (three queries whatever the number of attempts).

    A question is the bank question, whatever version an attempt saw. For question i:

    - facility index F_i = 100 · mean over attempts of (mark_i / max_mark_i): the average share
      of the mark scored (Moodle's "facility index"; high = easy).
    - discrimination index D_i = 100 · r(x_i, X − m_i), the Pearson correlation over attempts
      between the question's score and the score on the rest of the test, where m_i is the
      question's mark, x_i = m_i / max_mark_i and X the attempt's total mark (Moodle's
      "discrimination index": does doing well on this question go with doing well on the
      others?). Pearson's r is unchanged by scaling x, so with a constant max mark this is the
      correlation of the mark itself; the fraction keeps it meaningful if the exam's marks
      were changed between attempts. Undefined (None) with fewer than two attempts or when
      either side has no spread.

        r(x, y) = Σ (x − x̄)(y − ȳ) / sqrt(Σ (x − x̄)² · Σ (y − ȳ)²)

    - for choice questions, the share of attempts choosing each answer (answers are matched by
      their text across versions; for "several answers" the shares add up to more than 100 %).

    Attempts with an essay still waiting are left out (their total is not known yet) and
    counted in `waiting`; description items (max mark 0) have no statistics.
    """
    counted = Attempt.objects.filter(exam=exam, state=FINISHED, excluded=False).aggregate(
        graded=Count("pk", filter=Q(marks__isnull=False)),
        waiting=Count("pk", filter=Q(marks__isnull=True)),
    )
    rows = list(
        AttemptQuestion.objects.filter(
            attempt__exam=exam,
            attempt__state=FINISHED,
            attempt__excluded=False,
            attempt__marks__isnull=False,
            max_mark__gt=0,
        ).values_list(
            "attempt_id",
            "position",
            "version_id",
            "version__question_id",
            "version__question__name",
            "version__qtype",
            "max_mark",
            "mark",
            "response",
        )
    )
    if not rows:
        return ExamStatistics(attempts=counted["graded"], waiting=counted["waiting"], questions=[])
    frame = pd.DataFrame(
        rows,
        columns=[
            "attempt",
            "position",
            "version",
            "question",
            "name",
            "qtype",
            "max",
            "mark",
            "resp",
        ],
    )
    frame["max"] = frame["max"].astype(float)
    frame["mark"] = frame["mark"].fillna(0).astype(float)
    frame["score"] = frame["mark"] / frame["max"]
    frame["rest"] = frame.groupby("attempt")["mark"].transform("sum") - frame["mark"]
    versions = _choice_versions(exam)
    questions = [
        _question_stats(question_id, group, versions)
        for question_id, group in frame.groupby("question", sort=False)
    ]
    questions.sort(key=lambda q: (q.position, q.name, q.question_id))
    return ExamStatistics(
        attempts=counted["graded"], waiting=counted["waiting"], questions=questions
    )


def _choice_versions(exam) -> dict[int, dict]:
    """The content of the choice-question versions attempted in this exam (one query)."""
    used = AttemptQuestion.objects.filter(
        attempt__exam=exam, version__qtype__in=CHOICE_TYPES
    ).values("version_id")
    return dict(QuestionVersion.objects.filter(pk__in=used).values_list("pk", "content"))


def _pearson(x: pd.Series, y: pd.Series) -> float | None:
    if len(x) < 2 or x.std(ddof=0) == 0 or y.std(ddof=0) == 0:
        return None
    r = float(x.corr(y))
    return None if math.isnan(r) else r


def _question_stats(question_id, group: pd.DataFrame, versions: dict) -> QuestionStats:
    last = group.iloc[-1]
    r = _pearson(group["score"], group["rest"])
    stats = QuestionStats(
        question_id=int(question_id),
        name=str(last["name"]),
        qtype=str(last["qtype"]),
        position=int(group["position"].min()),
        attempts=len(group),
        facility=round(100 * float(group["score"].mean()), 1),
        discrimination=None if r is None else round(100 * r, 1),
        mean_mark=round(float(group["mark"].mean()), 2),
        max_mark=float(group["max"].max()),
    )
    if stats.qtype in CHOICE_TYPES:
        stats.answers, stats.no_answer_percent = _answer_shares(group, versions)
    return stats


def _chosen(response) -> list[int]:
    if not isinstance(response, dict):
        return []
    if "choices" in response:
        return list(response.get("choices") or [])
    choice = response.get("choice")
    return [] if choice is None else [choice]


def _answer_shares(group: pd.DataFrame, versions: dict) -> tuple[list[AnswerShare], float]:
    """Share of the attempts choosing each answer, answers matched by text across versions
    (listed in the order of the newest version, then answers only older versions had)."""
    order: dict[str, float] = {}
    chosen: dict[str, int] = {}
    unanswered = 0
    for version_id in sorted(set(group["version"]), reverse=True):
        for answer in versions.get(version_id, {}).get("answers", []):
            order.setdefault(answer["text"], float(answer["fraction"]))
    for version_id, response in zip(group["version"], group["resp"], strict=True):
        answers = versions.get(version_id, {}).get("answers", [])
        picks = [answers[i]["text"] for i in _chosen(response) if 0 <= i < len(answers)]
        if not picks:
            unanswered += 1
        for text in set(picks):
            chosen[text] = chosen.get(text, 0) + 1
    total = len(group)
    shares = [
        AnswerShare(
            label=text, fraction=fraction, percent=round(100 * chosen.get(text, 0) / total, 1)
        )
        for text, fraction in order.items()
    ]
    return shares, round(100 * unanswered / total, 1)
