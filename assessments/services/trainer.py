"""What trainers change outside the attempt engine: exam definitions saved in the admin, and an
attempt excluded from (or counted again in) the exam outcome. Both are audited; an attempt is
never deleted.

Lock order as in services/grading.py: attempt rows, then assignment rows (the outcome refresh
completes an assignment), then the audit chain head last.
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.records.services import audit_changes, audit_record

from ..models import Attempt, Exam
from .grading import exam_outcome_refresh
from .grading import may_grade as exam_trains  # the exam's trainers and superusers

EXAM_FIELDS = [
    "title",
    "title_zh",
    "time_limit_minutes",
    "opens_at",
    "closes_at",
    "max_attempts",
    "cooldown_minutes",
    "pass_mark_percent",
    "grading_method",
    "review_policy",
    "shuffle_questions",
    "shuffle_answers",
    "questions_per_page",
    "published",
]
REASON_MAX = 500


def exam_snapshot(exam: Exam) -> dict:
    """What the audit trail keeps of an exam definition (settings, slots and trainers)."""
    data = {name: getattr(exam, name) for name in EXAM_FIELDS}
    data["slots"] = [
        {
            "question": slot.question_id,
            "category": slot.category_id,
            "count": slot.count if slot.category_id else None,
            "include_subcategories": slot.include_subcategories if slot.category_id else None,
            "mark": slot.mark,
        }
        for slot in exam.slots.order_by("sort_order", "pk")
    ]
    data["trainers"] = sorted(exam.trainers.values_list("pk", flat=True))
    if exam.is_practical:
        data.update(kind=exam.kind, scenario=exam.scenario_id, assessed_by=exam.assessed_by)
        data["rubric"] = [
            {"text": item.text, "text_zh": item.text_zh, "points": item.points}
            for item in exam.rubric_items.order_by("sort_order", "pk")
        ]
        data["examiners"] = sorted(exam.examiner_assignments.values_list("examiner_id", "staff_id"))
    return data


def exam_save(*, actor, form, ip: str | None = None) -> Exam:
    """Save an exam edited in the admin (a ClusterForm with its slots) and audit the change.
    A new exam nobody was named to train is trained by the person who created it, so it never
    ends up with nobody who may see its attempts."""
    creating = form.instance.pk is None
    with transaction.atomic():
        before = None if creating else exam_snapshot(Exam.objects.get(pk=form.instance.pk))
        if creating and actor is not None and not form.cleaned_data.get("trainers"):
            # Set before saving: the form writes the cluster's many-to-many with the exam.
            form.cleaned_data["trainers"] = get_user_model().objects.filter(pk=actor.pk)
        exam = form.save()
        after = exam_snapshot(exam)
        before, after = audit_changes(before, after)
        audit_record(
            action="exam.create" if creating else "exam.update",
            actor=actor,
            obj=exam,
            before=before,
            after=after,
            ip=ip,
        )
    return exam


class TrainerRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ExcludeRefused(TrainerRefused):
    pass


class ExamDeleteRefused(TrainerRefused):
    pass


def exam_delete(*, actor, exam: Exam, ip: str | None = None) -> None:
    """Delete an exam nobody has attempted and no curriculum requires (audited). Attempts are
    evidence: an exam that has them is unpublished instead."""
    from courses.models import CurriculumItem

    if exam.attempts.exists():
        raise ExamDeleteRefused(
            _(
                "People have attempted this exam and their attempts are kept as evidence: "
                "unpublish it instead of deleting it."
            )
        )
    required = CurriculumItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Exam), object_id=exam.pk
    ).select_related("curriculum")
    names = sorted({item.curriculum.name for item in required})
    if names:
        raise ExamDeleteRefused(
            _("Curricula require this exam (%(names)s): remove it from them first.")
            % {"names": ", ".join(names)}
        )
    with transaction.atomic():
        before = exam_snapshot(exam)
        pk = exam.pk
        exam.delete()
        audit_record(
            action="exam.delete",
            actor=actor,
            object_type="assessments.exam",
            object_id=pk,
            before=before,
            ip=ip,
        )


def attempt_exclude(
    *, attempt: Attempt, actor, excluded: bool = True, reason: str, ip: str | None = None
) -> Attempt:
    """A trainer of the exam excludes an attempt from the exam outcome (or counts it again),
    giving a reason. The attempt and its answers stay; the audit trail keeps who, when and
    why; the person's kept grade is recomputed."""
    exam = attempt.exam
    if not exam_trains(user=actor, exam=exam):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ExcludeRefused(_("Give a reason: it is kept in the audit trail."))
    if len(reason) > REASON_MAX:
        raise ExcludeRefused(_("Keep the reason under %(n)s characters.") % {"n": REASON_MAX})
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.excluded == excluded:
            # A second click (or another trainer first): nothing to change, nothing to audit.
            attempt.excluded = locked.excluded
            return attempt
        fields = {
            "excluded": excluded,
            "excluded_reason": reason,
            "excluded_by": actor.get_full_name() or actor.email,
            "excluded_at": timezone.now(),
        }
        Attempt.objects.filter(pk=attempt.pk).update(**fields)
        for name, value in fields.items():
            setattr(attempt, name, value)
        exam_outcome_refresh(exam=exam, staff=attempt.staff, actor=actor)
        audit_record(
            action="attempt.exclude" if excluded else "attempt.include",
            actor=actor,
            obj=attempt,
            before={"excluded": not excluded},
            after={"excluded": excluded, "reason": reason},
            ip=ip,
        )
    return attempt
