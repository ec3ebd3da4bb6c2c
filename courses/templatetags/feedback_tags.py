"""What the rating and report forms under course and lesson pages need: the viewer's own
rating and reports, and (on a refused submit) what they typed and why it was refused."""

from django import template

from portal.org.models import StaffMember

from ..selectors import feedback as selectors

register = template.Library()


def _has_staff_record(user) -> bool:
    if not user.is_authenticated:
        return False
    try:
        return user.staff is not None  # cached on the user after the first look-up
    except StaffMember.DoesNotExist:
        return False


@register.simple_tag(takes_context=True)
def feedback_rating_state(context, course) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or course is None or course.pk is None:
        return {"shown": False}
    rating = selectors.rating_own(viewer=user, course=course)
    form = context.get("rating_form")
    if form is not None:
        stars, comment = str(form.data.get("stars", "")), form.data.get("comment", "")
    else:
        stars = str(rating.stars) if rating else ""
        comment = rating.comment if rating else ""
    return {
        "shown": True,
        "can_rate": _has_staff_record(user),
        "rating": rating,
        "stars": stars,
        "comment": comment,
        "errors": context.get("rating_errors") or [],
        "choices": [str(n) for n in (5, 4, 3, 2, 1)],
    }


@register.simple_tag(takes_context=True)
def feedback_report_state(context, lesson) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or lesson is None or lesson.pk is None:
        return {"shown": False}
    form = context.get("report_form")
    return {
        "shown": True,
        "can_report": _has_staff_record(user),
        "reports": selectors.problem_reports_own(viewer=user, lesson=lesson),
        "text": form.data.get("text", "") if form is not None else "",
        "errors": context.get("report_errors") or [],
    }


@register.filter
def stars(value) -> str:
    """4 -> ★★★★☆ (rounded to whole stars)."""
    try:
        full = max(0, min(5, round(float(value))))
    except (TypeError, ValueError):
        return ""
    return "★" * full + "☆" * (5 - full)
