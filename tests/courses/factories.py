"""Course pages for tests: built under the catalogue page the courses setup creates."""

from courses.models import CourseIndexPage, CoursePage, LessonPage
from courses.setup import catalogue_ensure
from tests.factories import job_role

_counter = {"n": 0}


def catalogue() -> CourseIndexPage:
    catalogue_ensure()
    return CourseIndexPage.objects.get()


def course(title=None, roles=("nurse",), lessons=2, required=None, **fields) -> CoursePage:
    """A published course for the given job roles with `lessons` published lessons (all required
    unless `required` lists the indexes of the required ones)."""
    _counter["n"] += 1
    n = _counter["n"]
    page = CoursePage(title=title or f"Course {n}", slug=f"course-{n}", **fields)
    catalogue().add_child(instance=page)
    page.job_roles.set([job_role(code) for code in roles])
    page.save_revision().publish()
    for index in range(lessons):
        lesson(page, required=required is None or index in required)
    return page


def lesson(course_page, title=None, required=True, body=None) -> LessonPage:
    _counter["n"] += 1
    n = _counter["n"]
    page = LessonPage(
        title=title or f"Lesson {n}",
        slug=f"lesson-{n}",
        required=required,
        body=body or [("text", "<p>Open the order entry screen.</p>")],
    )
    course_page.add_child(instance=page)
    page.save_revision().publish()
    return page
