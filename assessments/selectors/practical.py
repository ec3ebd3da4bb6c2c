"""What trainers and examiners read of practical exams: an attempt's replay, the examiner's
candidates and one attempt to score on the rubric.

Scoped to the viewer like every selector:

- the replay: the trainers of the attempt's exam and superusers (anyone else gets None);
- candidates: an examiner sees the candidates assigned to them (`ExaminerAssignment`), the
  trainers of an exam every candidate of it (assigned, or with an attempt), superusers all;
- an attempt to score: the same people, only on exams that use a rubric.

Query counts do not grow with the data: the candidates are a page of (exam, person) pairs
resolved in three queries; a replay reads the attempt and its log (two queries) and computes
the rest in the engine, which needs no database.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from .. import simulation
from ..models import Attempt, Exam, ExaminerAssignment, RubricItem, RubricScore
from ..services.practical import attempt_log, his_date, scenario_of
from .trainer import exams_trained_ids, is_trainer


def _exam_q(prefix: str = "") -> Q:
    """Practical exams with an examiner rubric (on a relation with prefix "exam__")."""
    return Q(
        **{
            f"{prefix}kind": Exam.Kind.PRACTICAL,
            f"{prefix}assessed_by__in": [Exam.AssessedBy.RUBRIC, Exam.AssessedBy.BOTH],
        }
    )


def is_examiner(user) -> bool:
    """Assigned to at least one candidate of a practical exam."""
    return user.is_authenticated and ExaminerAssignment.objects.filter(examiner=user).exists()


def may_open_examiner_pages(user) -> bool:
    """Examiners, trainers and superusers reach the examiner pages at all (others: 403)."""
    return is_trainer(user) or is_examiner(user)


# ---------------------------------------------------------------------------------------------
# The examiner's candidates


@dataclass
class Candidate:
    exam: Exam
    staff: object  # StaffMember
    attempt: Attempt | None  # the latest attempt (None: not started yet)
    score: RubricScore | None  # the rubric score of that attempt

    @property
    def scored(self) -> bool:
        return self.score is not None


def _pairs(queryset) -> QuerySet:
    # No ORDER BY inside a UNION's parts (the models have a default ordering).
    return (
        queryset.order_by()
        .annotate(exam_title=F("exam__title"), staff_name=F("staff__full_name"))
        .values_list("exam_id", "staff_id", "exam_title", "staff_name")
    )


def examiner_candidates(*, viewer) -> QuerySet:
    """The (exam id, staff id, exam title, name) pairs the viewer examines, by exam and name,
    without duplicates: a queryset to page (one COUNT and one page query); resolve a page with
    `candidates_resolve`."""
    if not viewer.is_authenticated:
        return ExaminerAssignment.objects.none().values_list("exam_id", "staff_id")
    assigned = _pairs(ExaminerAssignment.objects.filter(_exam_q("exam__"), examiner=viewer))
    if is_trainer(viewer):
        trained = Exam.objects.filter(_exam_q(), pk__in=exams_trained_ids(user=viewer))
        attempted = _pairs(Attempt.objects.filter(exam__in=trained.values("pk")))
        others = _pairs(ExaminerAssignment.objects.filter(exam__in=trained.values("pk")))
        assigned = assigned.union(attempted, others)  # UNION: each pair once
    return assigned.order_by("exam_title", "exam_id", "staff_name", "staff_id")


def candidates_resolve(pairs) -> list[Candidate]:
    """A page of pairs from `examiner_candidates` as Candidates (three queries whatever the
    page size: the people, the exams, the latest attempts with their scores)."""
    from portal.org.models import StaffMember

    pairs = [(exam_id, staff_id) for exam_id, staff_id, *_rest in pairs]
    if not pairs:
        return []
    exam_ids = {e for e, _s in pairs}
    staff_ids = {s for _e, s in pairs}
    people = StaffMember.objects.filter(pk__in=staff_ids).select_related("department", "job_role")
    people = {p.pk: p for p in people}
    exams = {e.pk: e for e in Exam.objects.filter(pk__in=exam_ids)}
    later = Attempt.objects.filter(
        exam_id=OuterRef("exam_id"), staff_id=OuterRef("staff_id"), number__gt=OuterRef("number")
    )
    latest = (
        Attempt.objects.filter(exam_id__in=exam_ids, staff_id__in=staff_ids)
        .filter(~Exists(later))
        .select_related("rubric_score")
    )
    attempts = {(a.exam_id, a.staff_id): a for a in latest}
    rows = []
    for exam_id, staff_id in pairs:
        attempt = attempts.get((exam_id, staff_id))
        rows.append(
            Candidate(
                exam=exams[exam_id],
                staff=people[staff_id],
                attempt=attempt,
                score=rubric_score_of(attempt) if attempt else None,
            )
        )
    return rows


def rubric_score_of(attempt: Attempt) -> RubricScore | None:
    try:
        return attempt.rubric_score
    except RubricScore.DoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# One attempt to score


def examiner_attempt(*, viewer, attempt_id: int) -> Attempt | None:
    """An attempt of a rubric exam, for the examiners assigned to its candidate, the exam's
    trainers and superusers (None for anyone else: the views answer 404). Nobody examines
    their own attempt."""
    if not viewer.is_authenticated:
        return None
    attempts = Attempt.objects.filter(_exam_q("exam__"), pk=attempt_id).exclude(staff__user=viewer)
    if not viewer.is_superuser:
        assigned = ExaminerAssignment.objects.filter(
            exam_id=OuterRef("exam_id"), staff_id=OuterRef("staff_id"), examiner=viewer
        )
        attempts = attempts.filter(Q(exam__in=exams_trained_ids(user=viewer)) | Exists(assigned))
    return attempts.select_related(
        "exam", "staff__department", "staff__job_role", "rubric_score__examiner"
    ).first()


def rubric_items(*, exam) -> list[RubricItem]:
    return list(RubricItem.objects.filter(exam=exam).order_by("sort_order", "pk"))


# ---------------------------------------------------------------------------------------------
# The replay


@dataclass
class Replay:
    attempt: Attempt
    scenario: object  # simulation.Scenario
    steps: list[dict]  # Step.to_dict() for step 0 (the initial state) .. n
    index: int  # the selected step
    checks: list[dict] = field(default_factory=list)  # every check, passed or not at that step
    result_at: dict | None = None  # the grade of the log up to that step

    @property
    def step(self) -> dict:
        return self.steps[self.index]

    @property
    def previous(self) -> dict | None:
        return self.steps[self.index - 1] if self.index > 0 else None

    @property
    def last(self) -> int:
        return len(self.steps) - 1


def replay_attempt(*, viewer, attempt_id: int, step: int | None = None) -> Replay | None:
    """A practical attempt's log replayed step by step, for the trainers of its exam (None
    for anyone else, and for attempts without a simulation). `step` is clamped to the log;
    the checks are graded on the log up to it. Two queries (attempt, log)."""
    attempt = (
        Attempt.objects.filter(
            pk=attempt_id,
            exam__in=exams_trained_ids(user=viewer),
            exam__kind=Exam.Kind.PRACTICAL,
            scenario_version__isnull=False,
        )
        .select_related(
            "exam",
            "staff__department",
            "staff__job_role",
            "scenario_version__scenario",
            "rubric_score",
        )
        .first()
    )
    if attempt is None:
        return None
    scenario = scenario_of(attempt.scenario_version)
    log = attempt_log(attempt)
    today = his_date(attempt)
    steps = [s.to_dict() for s in simulation.replay(scenario, log, today=today)]
    index = min(max(step or 0, 0), len(steps) - 1)
    result_at = simulation.grade(scenario, log[:index], today=today).to_dict()
    checks = [check for task in result_at["tasks"] for check in task["checks"]]
    return Replay(
        attempt=attempt,
        scenario=scenario,
        steps=steps,
        index=index,
        checks=checks,
        result_at=result_at,
    )
