"""Progress on the course and lesson pages (the Wagtail page templates include
courses/learning/course_progress.html and lesson_controls.html, which call these tags for the
signed-in person's own progress)."""

from django import template

from portal.org.selectors import staff_for_user

from ..selectors.progress import course_outline, lesson_state

register = template.Library()


def _staff(context):
    """The viewer's staff record, looked up once per request (None when anonymous or when the
    login has no staff record)."""
    request = context.get("request")
    if request is None:
        return None
    if not hasattr(request, "_learning_staff"):
        request._learning_staff = staff_for_user(user=request.user)
    return request._learning_staff


@register.simple_tag(takes_context=True)
def course_progress_for(context, course):
    """`{% course_progress_for page as outline %}`: lessons with ticks, percent, resume."""
    return course_outline(staff=_staff(context), course=course)


@register.simple_tag(takes_context=True)
def lesson_state_for(context, lesson):
    """`{% lesson_state_for page as state %}`: done or not, the next lesson, the course."""
    return lesson_state(staff=_staff(context), lesson=lesson)
