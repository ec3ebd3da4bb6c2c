"""Wagtail wiring for authoring (registered by courses/wagtail_hooks.py): courses, lessons,
manuals and tutorials are for signed-in staff only."""

from django.contrib.auth.views import redirect_to_login
from wagtail import hooks

from content.models import HelpIndexPage, ManualPage, VideoTutorialPage

from ..models import CourseIndexPage, CoursePage, LessonPage

SIGNED_IN_ONLY = (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    HelpIndexPage,
    ManualPage,
    VideoTutorialPage,
)


@hooks.register("before_serve_page")
def learning_pages_need_sign_in(page, request, serve_args, serve_kwargs):
    """Anonymous visitors of a learning page go to sign-in and come back afterwards."""
    if request.user.is_authenticated or not isinstance(page, SIGNED_IN_ONLY):
        return None
    return redirect_to_login(request.get_full_path())
