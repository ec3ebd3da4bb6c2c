"""The learner's side: My training, lesson completion, time beacons and resuming a course.

None of these URLs carries another person's id: progress is always the signed-in person's own
(through their staff record), so there is nobody else's progress to reach."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.org.selectors import staff_for_user

from ..models import CoursePage, LessonPage
from ..selectors.progress import course_resume_lesson, next_lesson, training_overview
from ..services.progress import MAX_REPORT_SECONDS, lesson_complete, lesson_course, lesson_visit


@login_required
def my_training(request):
    """The learner's home: assigned items, due dates, status, the next thing to do."""
    member = staff_for_user(user=request.user)
    overview = training_overview(staff=member, today=timezone.localdate(), request=request)
    return render(
        request,
        "portal/my_training.html",
        {"member": member, "overview": overview, "items": overview.items},
    )


def _live_lesson(pk: int) -> LessonPage:
    lesson = LessonPage.objects.live().filter(pk=pk).first()
    if lesson is None:
        raise Http404
    return lesson


def _live_course(pk: int) -> CoursePage:
    course = CoursePage.objects.live().filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def _reported_seconds(request) -> tuple[int | None, str]:
    """Seconds from the form or beacon: (value, "") or (None, message) when malformed. Values
    above the cap are accepted and capped by the service."""
    raw = request.POST.get("seconds", "").strip()
    if raw == "":
        return 0, ""
    try:
        seconds = int(raw)
    except ValueError:
        return None, _("Time spent must be a whole number of seconds.")
    if seconds < 0:
        return None, _("Time spent cannot be negative.")
    return min(seconds, MAX_REPORT_SECONDS), ""


def _record_visit(request, pk: int):
    lesson = _live_lesson(pk)
    seconds, error = _reported_seconds(request)
    if error:
        return JsonResponse({"error": error}, status=400)
    member = staff_for_user(user=request.user)
    if member is not None:  # a login without a staff record has no progress to record
        lesson_visit(staff=member, lesson=lesson, seconds=seconds)
    return HttpResponse(status=204)


@login_required
@require_POST
def lesson_visit_view(request, pk: int):
    """Called by the lesson page when it opens: remembers it as the place to resume."""
    return _record_visit(request, pk)


@login_required
@require_POST
def lesson_time_view(request, pk: int):
    """The lesson page's beacon (every minute and on leaving): seconds spent since the last."""
    return _record_visit(request, pk)


def _course_complete(member, course) -> bool:
    if course is None:
        return False
    return course.progress.filter(staff=member, completed_at__isnull=False).exists()


@login_required
@require_POST
def lesson_complete_view(request, pk: int):
    lesson = _live_lesson(pk)
    seconds, error = _reported_seconds(request)
    if error:
        messages.error(request, error)
        return redirect(lesson.get_url(request) or "my_training")
    member = staff_for_user(user=request.user)
    if member is None:
        messages.error(
            request,
            _(
                "Your sign-in is not linked to a staff record, so progress cannot be recorded. "
                "Ask HR to link your account."
            ),
        )
        return redirect(lesson.get_url(request) or "my_training")
    course = lesson_course(lesson)
    was_complete = _course_complete(member, course)
    lesson_complete(staff=member, lesson=lesson, seconds=seconds)
    if not was_complete and _course_complete(member, course):
        messages.success(
            request, _("You completed the course “%(course)s”.") % {"course": course.label}
        )
    else:
        messages.success(request, _("Lesson “%(lesson)s” completed.") % {"lesson": lesson.label})
    following = next_lesson(lesson)
    if following is not None:
        return redirect(following.get_url(request))
    return redirect(course.get_url(request) if course else "my_training")


@login_required
@require_GET
def course_resume_view(request, pk: int):
    """Go to where the learner left off: the last lesson visited if unfinished, else the first
    unfinished required lesson, else the course page."""
    course = _live_course(pk)
    lesson = course_resume_lesson(staff=staff_for_user(user=request.user), course=course)
    target = lesson or course
    return redirect(target.get_url(request))
