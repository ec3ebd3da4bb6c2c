"""The examiner's pages of practical exams (tablet-friendly): the candidates to score, and the
OSCE checklist of one attempt with a global rating and comments.

Who gets in: examiners (people with an `ExaminerAssignment`), trainers and superusers; anyone
else gets 403. An examiner who is not assigned to a candidate gets 404 for that candidate's
attempt (an id reveals nothing); the exam's trainers may score every candidate of it.

Scoring goes through `services.practical.rubric_score_save` (audited); it may happen while the
attempt is still open (live scoring): the grade follows when the attempt finishes. At an OSCE
station (an exam scored by the examiner alone) the examiner opens the candidate's attempt
(`station_start`) and the saved score finishes it.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from portal.org.models import StaffMember
from portal.pagination import paginate

from ..models import Exam, GlobalRating
from ..selectors import practical as selectors
from ..selectors.trainer import exam_for_trainer
from ..services.attempts import AttemptRefused
from ..services.practical import (
    RUBRIC_CREDIT,
    may_examine_candidate,
    rubric_score_save,
    station_attempt_start,
)

CHOICES = [
    ("done", gettext_lazy("Done")),
    ("partly", gettext_lazy("Partly")),
    ("not_done", gettext_lazy("Not done")),
]
COMMENTS_MAX = 4000


def _examiners_only(request):
    if not selectors.may_open_examiner_pages(request.user):
        raise PermissionDenied


@login_required
def examiner_home(request):
    _examiners_only(request)
    context = paginate(request, selectors.examiner_candidates(viewer=request.user))
    rows = selectors.candidates_resolve(context["page"].object_list)
    return render(request, "assessments/examiner/home.html", {**context, "rows": rows})


@dataclass
class ItemRow:
    item: object  # RubricItem
    value: str  # done | partly | not_done | "" (not marked yet)
    error: str
    choices: list  # (value, label, points)


def _points(item, value: str):
    # "2", "1.5", "0": never "1E+1", the way Decimal.normalize() writes 10.
    return format((RUBRIC_CREDIT[value] * item.points).normalize(), "f")


def _item_rows(items, values: dict, errors: dict) -> list[ItemRow]:
    return [
        ItemRow(
            item=item,
            value=values.get(str(item.pk), ""),
            error=errors.get(str(item.pk), ""),
            choices=[(value, label, _points(item, value)) for value, label in CHOICES],
        )
        for item in items
    ]


def _posted(request, items) -> tuple[dict, str, str]:
    values = {str(i.pk): request.POST.get(f"item-{i.pk}", "") for i in items}
    return values, request.POST.get("global_rating", ""), request.POST.get("comments", "")


def _check(items, values: dict, rating: str, comments: str) -> tuple[dict, dict]:
    """Every problem of the form at once (the service stops at the first): item errors by
    item id, and the rating and comments errors."""
    item_errors = {
        str(i.pk): _("Mark this item as done, partly done or not done.")
        for i in items
        if values.get(str(i.pk)) not in RUBRIC_CREDIT
    }
    other = {}
    if rating not in {str(v) for v in GlobalRating.values}:
        other["rating"] = _("Choose a global rating, from 1 (clear fail) to 5 (excellent).")
    if len(comments) > COMMENTS_MAX:
        other["comments"] = _("Keep the comments under %(max)s characters.") % {"max": COMMENTS_MAX}
    return item_errors, other


@login_required
@require_POST
def station_start(request, exam_id: int, staff_id: int):
    """An OSCE station (an exam scored by the examiner alone): the examiner opens the
    candidate's attempt when the candidate begins, then scores it."""
    _examiners_only(request)
    exam = get_object_or_404(
        Exam, pk=exam_id, kind=Exam.Kind.PRACTICAL, assessed_by=Exam.AssessedBy.RUBRIC
    )
    staff = get_object_or_404(StaffMember, pk=staff_id)
    if not may_examine_candidate(request.user, exam=exam, staff_id=staff.pk):
        raise Http404
    try:
        attempt = station_attempt_start(exam=exam, staff=staff, examiner=request.user)
    except AttemptRefused as refused:
        messages.error(request, refused.message)
        return redirect("assessments:examiner_home")
    return redirect("assessments:rubric_score", attempt_id=attempt.pk)


@login_required
def rubric_score(request, attempt_id: int):
    attempt = selectors.examiner_attempt(viewer=request.user, attempt_id=attempt_id)
    if attempt is None:
        _examiners_only(request)
        raise Http404
    exam = attempt.exam
    items = selectors.rubric_items(exam=exam)
    previous = selectors.rubric_score_of(attempt)
    errors, other = {}, {}
    if previous is not None:
        values, rating, comments = previous.items, str(previous.global_rating), previous.comments
    else:
        values, rating, comments = {}, "", ""
    if request.method == "POST":
        values, rating, comments = _posted(request, items)
        errors, other = _check(items, values, rating, comments)
        if not items:
            other["form"] = _("The rubric of this exam has no items yet.")
        if not errors and not other:
            try:
                score = rubric_score_save(
                    attempt=attempt,
                    examiner=request.user,
                    items=values,
                    global_rating=rating,
                    comments=comments.strip(),
                )
            except PermissionDenied:
                raise Http404 from None
            except ValueError as exc:
                other["form"] = str(exc)
            else:
                messages.success(request, _saved_message(attempt, score))
                return redirect("assessments:rubric_score", attempt_id=attempt.pk)
    return render(
        request,
        "assessments/examiner/rubric_score.html",
        {
            "attempt": attempt,
            "exam": exam,
            "rows": _item_rows(items, values, errors),
            "ratings": GlobalRating.choices,
            "rating": rating,
            "comments": comments,
            "errors": other,
            "summary": _summary(errors, other),
            "previous": previous,
            "max_points": sum(i.points for i in items),
            "is_trainer": exam_for_trainer(exam_id=exam.pk, user=request.user) is not None,
        },
    )


def _summary(item_errors: dict, other: dict) -> list[str]:
    """What stopped the save, for the message at the top of the form."""
    lines = []
    if item_errors:
        lines.append(
            ngettext(
                "%(count)s checklist item is not marked yet.",
                "%(count)s checklist items are not marked yet.",
                len(item_errors),
            )
            % {"count": len(item_errors)}
        )
    lines += [other[key] for key in ("rating", "comments", "form") if key in other]
    return lines


def _saved_message(attempt, score) -> str:
    text = _(
        "Saved the rubric of %(name)s: %(points)s of %(max)s points (%(percent)s %%), %(rating)s."
    ) % {
        "name": attempt.staff.full_name,
        "points": score.points.normalize(),
        "max": score.max_points.normalize(),
        "percent": score.percent,
        "rating": score.get_global_rating_display(),
    }
    if attempt.state != attempt.State.FINISHED:
        text += " " + _("The attempt is still open: the grade follows when it finishes.")
    return text
