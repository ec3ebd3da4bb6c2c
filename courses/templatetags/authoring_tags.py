"""Template tags for the Wagtail course pages (their models stay free of view code)."""

from django import template

from ..selectors import authoring

register = template.Library()


@register.simple_tag(takes_context=True)
def course_catalogue(context, page):
    request = context.get("request")
    role = request.GET.get("role", "").strip()[:32] if request else ""
    viewer = getattr(request, "user", None)
    return authoring.catalogue_courses(catalogue=page, viewer=viewer, role=role or None)


@register.simple_tag
def course_lessons(course):
    return authoring.course_lessons(course=course)


@register.simple_tag
def course_facts(course):
    return authoring.course_facts(course=course)


@register.simple_tag
def lesson_course(lesson):
    return authoring.lesson_course(lesson=lesson)


@register.simple_tag
def lesson_position(lesson, course):
    return authoring.lesson_position(lesson=lesson, course=course)


@register.simple_tag
def help_centre():
    """The live help centre (manuals and video tutorials), or None."""
    from content.models import HelpIndexPage

    return HelpIndexPage.objects.live().first()
