"""Reads for the learner's attempt screens: their own attempt, one page of questions, the
navigation panel, and what they may see after finishing (review policy)."""

import random
from dataclasses import dataclass

from django.utils import timezone

from ..grading import matching_subquestions
from ..models import Attempt, AttemptQuestion, Exam

Policy = Exam.ReviewPolicy


def learner_attempt(*, attempt_id: int, user) -> Attempt | None:
    """The attempt when it is this user's own, else None (the view answers 404)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Attempt.objects.select_related("exam", "staff")
        .filter(pk=attempt_id, staff__user=user)
        .first()
    )


def learner_attempt_for_save(*, attempt_id: int, user) -> Attempt | None:
    """The learner's own attempt with only what a save reads (the hot path of an exam: every
    answer change and every 15 s of every examinee). One query, no exam row; the staff record
    comes with it, so the view needs no second lookup."""
    if user is None or not user.is_authenticated:
        return None
    rows = (
        Attempt.objects.filter(pk=attempt_id, staff__user=user)
        .select_related("staff")
        .only("pk", "exam_id", "staff_id", "state", "deadline", "current_page", "staff__user_id")
        .order_by()[:1]
    )
    return next(iter(rows), None)


def attempt_page(*, attempt: Attempt, page: int) -> list[AttemptQuestion]:
    """The questions of one page in order, with their versions (one query)."""
    return list(attempt.questions.filter(page=page).select_related("version").order_by("position"))


@dataclass(frozen=True)
class NavItem:
    position: int
    page: int
    answered: bool
    flagged: bool
    seq: int  # the last accepted sequence number: a reloaded page continues above it


def attempt_navigation(*, attempt: Attempt) -> list[NavItem]:
    """Every question of the attempt for the navigation panel (one query, no content)."""
    rows = attempt.questions.order_by("position").values_list(
        "position", "page", "response", "flagged", "seq"
    )
    return [
        NavItem(position, page, response is not None, flagged, seq)
        for position, page, response, flagged, seq in rows
    ]


def attempt_page_count(*, attempt: Attempt) -> int:
    last = attempt.questions.order_by("-page").values_list("page", flat=True).first()
    return 0 if last is None else last + 1


def matching_options(*, attempt_question: AttemptQuestion, shuffle: bool) -> list[int]:
    """The dropdown of a matching question: one answer index per distinct match text (the
    first row carrying it), in an order that is shuffled per attempt question and stable
    across reloads. `shuffle`: the exam and the question both say shuffle."""
    answers = attempt_question.version.content["answers"]
    first: dict[str, int] = {}
    for j, answer in enumerate(answers):
        if answer["match"].strip():
            first.setdefault(answer["match"], j)
    options = list(first.values())
    if shuffle and attempt_question.version.content.get("shuffle"):
        random.Random(attempt_question.pk).shuffle(options)
    return options


def matching_rows(*, attempt_question: AttemptQuestion) -> list[int]:
    """The subquestions in the order shown (answer_order), or in editor order."""
    return list(attempt_question.answer_order) or matching_subquestions(
        attempt_question.version.content
    )


def review_allowed(*, attempt: Attempt, now=None) -> bool:
    """May the learner see right answers, feedback and per-question marks?"""
    if attempt.state != Attempt.State.FINISHED:
        return False
    exam = attempt.exam
    if exam.review_policy == Policy.IMMEDIATELY:
        return True
    if exam.review_policy == Policy.AFTER_CLOSE:
        return exam.closes_at is not None and (now or timezone.now()) >= exam.closes_at
    return False


def score_visible(*, attempt: Attempt) -> bool:
    """The total and pass/fail are shown once finished, unless the policy is "never"."""
    return attempt.state == Attempt.State.FINISHED and attempt.exam.review_policy != Policy.NEVER
