"""What makes enrolment recompute: the roster (org's signals, sent after commit), and the
courses that curricula point at being published, unpublished or deleted. Curriculum edits
queue their own recompute (courses.services.enrolment.curriculum_save)."""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from portal.org.models import StaffMember
from portal.org.selectors import department_subtree_ids
from portal.org.signals import department_changed, staff_changed

from .models import Assignment, CoursePage, CurriculumItem
from .selectors.enrolment import course_content_type

# A recompute of many named staff costs about what one of everybody does, and a short message
# travels better through the broker than 50,000 ids.
MAX_IDS = 10_000


def _recompute(staff_ids):
    from .tasks.enrolment import assignments_recompute_task

    staff_ids = sorted(set(staff_ids)) if staff_ids is not None else None
    if staff_ids == []:
        return
    if staff_ids is not None and len(staff_ids) > MAX_IDS:
        staff_ids = None
    assignments_recompute_task.delay_on_commit(staff_ids=staff_ids)


@receiver(staff_changed, dispatch_uid="courses_enrolment_staff_changed")
def on_staff_changed(sender, staff_ids, **kwargs):
    _recompute(staff_ids)


@receiver(department_changed, dispatch_uid="courses_enrolment_department_changed")
def on_department_changed(sender, department_ids, **kwargs):
    # The department's staff and those below it (they inherit its go-live date and its place
    # under curricula limited to departments).
    subtree = department_subtree_ids(department_ids)
    _recompute(StaffMember.objects.filter(department_id__in=subtree).values_list("pk", flat=True))


def _course_in_use(course_pk: int) -> bool:
    content_type = course_content_type()
    return (
        CurriculumItem.objects.filter(
            content_type=content_type, object_id=course_pk, curriculum__active=True
        ).exists()
        or Assignment.objects.filter(
            content_type=content_type, object_id=course_pk, status=Assignment.Status.ACTIVE
        ).exists()
    )


@receiver(page_published, sender=CoursePage, dispatch_uid="courses_enrolment_course_published")
def on_course_published(sender, instance, **kwargs):
    # Every edit of a course publishes it again: recompute only when the course is required but
    # assigned to nobody (it was unpublished, and its assignments withdrawn, until now).
    content_type = course_content_type()
    required = CurriculumItem.objects.filter(
        content_type=content_type, object_id=instance.pk, curriculum__active=True
    ).exists()
    if (
        required
        and not Assignment.objects.filter(
            content_type=content_type, object_id=instance.pk, status=Assignment.Status.ACTIVE
        ).exists()
    ):
        _recompute(None)


@receiver(page_unpublished, sender=CoursePage, dispatch_uid="courses_enrolment_course_unpublished")
@receiver(post_delete, sender=CoursePage, dispatch_uid="courses_enrolment_course_deleted")
def on_course_withdrawn(sender, instance, **kwargs):
    if _course_in_use(instance.pk):
        _recompute(None)
