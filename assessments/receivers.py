"""What makes certification status recompute besides exam results (which call the status
service directly): a course completed, and roster changes (role, department, shift, leaving)."""

from django.dispatch import receiver

from courses.signals import course_completed
from portal.org.signals import staff_changed

from .services.certification import status_refresh_later


@receiver(course_completed, dispatch_uid="assessments_status_course_completed")
def on_course_completed(sender, staff_id, course_id, **kwargs):
    status_refresh_later(staff_ids=[staff_id], cause="course completed")


@receiver(staff_changed, dispatch_uid="assessments_status_staff_changed")
def on_staff_changed(sender, staff_ids, **kwargs):
    status_refresh_later(staff_ids=staff_ids, cause="roster change")
