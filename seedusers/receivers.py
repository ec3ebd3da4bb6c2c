"""What moves a seed user's training on: a course completed, a certification status changed."""

from django.dispatch import receiver

from assessments.signals import status_changed
from courses.signals import course_completed

from .services import seed_training_refresh_later


@receiver(course_completed, dispatch_uid="seedusers_course_completed")
def on_course_completed(sender, staff_id, course_id, **kwargs):
    seed_training_refresh_later(staff_ids=[staff_id])


@receiver(status_changed, dispatch_uid="seedusers_status_changed")
def on_status_changed(sender, staff_ids, **kwargs):
    seed_training_refresh_later(staff_ids=staff_ids)
